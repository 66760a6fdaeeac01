"""The sign-in throttle forgets failures once they are old enough (Security: sign-in throttle)."""

from __future__ import annotations

import pytest

from memory.users import SignInThrottle, SignInThrottled


def test_a_throttled_login_may_try_again_once_the_window_has_passed() -> None:
    """The refusal ends: fifteen minutes after the fifth wrong password, rita may try again."""
    now = 1000.0
    throttle = SignInThrottle(clock=lambda: now)
    for _ in range(5):
        throttle.begin("rita", "10.0.0.1")
    with pytest.raises(SignInThrottled, match="try again in 15 minutes"):
        throttle.begin("rita", "10.0.0.1")
    now += 15 * 60
    throttle.begin("rita", "10.0.0.1")  # allowed again
