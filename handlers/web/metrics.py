"""``/metrics``: the same numbers as the Activity page, in Prometheus' text format.

Counts are read from the database at scrape time (so they survive restarts
and several processes agree) and handed to ``prometheus_client`` through a
one-shot collector. No customer data and no rep names: platform, status and
action labels only, so the endpoint needs no login (keep the port internal).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from handlers.web.context import get_console
from memory import stats

router = APIRouter()


class _Snapshot(Collector):
    def __init__(self, totals: stats.Totals, day: stats.Activity) -> None:
        self.totals, self.day = totals, day

    def collect(self) -> Iterator[Metric]:
        t = self.totals
        messages = CounterMetricFamily(
            "rapport_messages", "Messages stored", labels=["platform", "direction"]
        )
        for (platform, direction), n in sorted(t.messages.items()):
            messages.add_metric([platform, direction], n)
        yield messages
        drafts = GaugeMetricFamily("rapport_drafts", "Drafts by current status", labels=["status"])
        for status, n in sorted(t.drafts.items()):
            drafts.add_metric([status], n)
        yield drafts
        decisions = CounterMetricFamily(
            "rapport_decisions", "Decisions on drafts", labels=["platform", "action"]
        )
        for (platform, action), n in sorted(t.decisions.items()):
            decisions.add_metric([platform, action], n)
        yield decisions
        yield CounterMetricFamily("rapport_checkins_sent", "Check-ins sent", value=t.checkins_sent)
        yield GaugeMetricFamily("rapport_customers", "Customers known", value=t.customers)
        yield GaugeMetricFamily(
            "rapport_customers_opted_out", "Customers opted out of check-ins", value=t.opted_out
        )
        yield GaugeMetricFamily(
            "rapport_drafts_waiting", "Drafts waiting for a rep", value=len(self.day.waiting)
        )
        yield GaugeMetricFamily(
            "rapport_oldest_waiting_draft_seconds",
            "Age of the oldest draft waiting for a rep",
            value=self.day.oldest_waiting or 0.0,
        )
        times = self.day.overall.response_seconds
        response = GaugeMetricFamily(
            "rapport_first_response_seconds",
            "Customer message to reply sent, over the last 24 hours",
            labels=["quantile"],
        )
        if times:
            response.add_metric(["0.5"], statistics.median(times))
            response.add_metric(["1"], max(times))
        yield response


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    sessions = get_console(request).runtime.store.sessions
    now = datetime.now(UTC)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(
        _Snapshot(
            await stats.totals(sessions),
            await stats.activity(sessions, days=1, now=now + timedelta(seconds=1)),
        )
    )
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
