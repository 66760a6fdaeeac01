"""Rendering prompt templates safely.

Templates are Jinja2 run in an ``ImmutableSandboxedEnvironment`` with
``StrictUndefined``: an admin's template cannot reach Python internals, cannot
mutate the data it is given, and fails loudly on a misspelt variable. Customer
text reaches templates only as values, and the shipped templates print it
through ``tojson`` inside a ``<customer_data>`` fence, so it cannot close the
fence or pass for instructions.

Rendering is bounded: every render stops once its output passes
``MAX_OUTPUT_CHARS``, and a renderer built with a ``time_limit`` (previews of
an admin's candidate template) stops a render that runs longer. Either way the
admin is told which limit the template hit.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import (
    UNSAFE_ASYNC_GENERATOR_ATTRIBUTES,
    UNSAFE_COROUTINE_ATTRIBUTES,
    UNSAFE_FUNCTION_ATTRIBUTES,
    UNSAFE_GENERATOR_ATTRIBUTES,
    UNSAFE_METHOD_ATTRIBUTES,
    ImmutableSandboxedEnvironment,
)

TEMPLATE_DIR = Path(__file__).with_name("templates")
COMPILED_CACHE_SIZE = 32  # the running templates plus a few previews
# A prompt is a few thousand characters; a model's whole context, a few hundred thousand.
MAX_OUTPUT_CHARS = 100_000

#: Every template, what it is for, and the variables it may use.
TEMPLATES: dict[str, tuple[str, frozenset[str]]] = {
    "system": (
        "Persona and rules for every draft",
        frozenset({"company", "bot_name", "max_sentences"}),
    ),
    "reply": (
        "The request for a reply to a customer's message",
        frozenset({"customer", "message", "recalled", "now", "knowledge", "examples"}),
    ),
    "checkin": (
        "The request for a check-in message",
        frozenset({"customer", "reason", "recalled", "now"}),
    ),
    "extract_facts": (
        "Structured fact extraction (used with an LLM only)",
        frozenset({"text", "sent_on", "timezone"}),
    ),
}


class TemplateRejected(ValueError):
    """A template that may not be used, with the line and reason."""

    def __init__(self, name: str, reason: str, line: int | None = None) -> None:
        self.name, self.reason, self.line = name, reason, line
        where = f" (line {line})" if line else ""
        super().__init__(f"template {name!r} rejected{where}: {reason}")


@dataclass(frozen=True, slots=True)
class ActiveTemplate:
    source: str
    version: str  # "file" or "v<N>"


class _BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, minus ``*`` that builds an enormous string or list in one step.

    One such step is a single call into C: the output limit would see it only
    after the memory was taken, and no time limit can interrupt it.
    """

    intercepted_binops = frozenset({"*"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        for items, times in ((left, right), (right, left)):
            sized = isinstance(items, str | list | tuple) and isinstance(times, int)
            if sized and len(items) * times > MAX_OUTPUT_CHARS:
                raise SecurityError(
                    f"repeating something {times:,} times makes more than "
                    f"{MAX_OUTPUT_CHARS:,} characters or items"
                )
        return super().call_binop(context, operator, left, right)


class PromptRenderer:
    """Renders the running templates, or a candidate source for a preview.

    ``time_limit`` (seconds) bounds each render; without it only the output
    size is bounded, which is what the running, already checked templates need.
    """

    def __init__(
        self,
        overrides: Mapping[str, ActiveTemplate] | None = None,
        *,
        time_limit: float | None = None,
    ) -> None:
        self.time_limit = time_limit
        self._env = _BoundedSandbox(
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
            trim_blocks=False,
        )
        # The customer's own letters reach the model as letters ("¿cuándo?", not
        # "\u00bfcu\u00e1ndo"), so it can answer in their language; tojson still
        # escapes < > & ' so nothing inside can close the data fence.
        self._env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
        self._active: dict[str, ActiveTemplate] = {
            name: ActiveTemplate(default_source(name), "file") for name in TEMPLATES
        }
        # Compiling a template costs milliseconds; rendering a compiled one, microseconds.
        # Keyed by source, so a newly activated version is compiled on first use.
        self._compiled: dict[str, Template] = {}
        for name, template in (overrides or {}).items():
            self.use(name, template)

    def use(self, name: str, template: ActiveTemplate) -> None:
        """Make ``template`` the running version of ``name`` after validating it."""
        self.validate(name, template.source)
        self._active[name] = template

    def source(self, name: str) -> ActiveTemplate:
        return self._active[name]

    def versions(self) -> str:
        """A short label of the running versions, stored with every draft."""
        return ",".join(f"{n}@{t.version}" for n, t in sorted(self._active.items()))

    def validate(self, name: str, source: str) -> None:
        if name not in TEMPLATES:
            raise TemplateRejected(name, f"unknown template; known: {', '.join(sorted(TEMPLATES))}")
        try:
            tree = self._env.parse(source)
        except TemplateSyntaxError as exc:
            raise TemplateRejected(name, exc.message or "syntax error", exc.lineno) from exc
        unsafe = _unsafe_access(tree)
        if unsafe is not None:
            raise TemplateRejected(
                name,
                f"{unsafe[0]!r} is not allowed in a template (internal or changing data); "
                "templates may only read the variables they are given",
                unsafe[1],
            )
        used = meta.find_undeclared_variables(tree)
        unknown = sorted(used - TEMPLATES[name][1])
        if unknown:
            line = _first_line_mentioning(source, unknown[0])
            allowed = ", ".join(sorted(TEMPLATES[name][1]))
            raise TemplateRejected(
                name, f"unknown variable {unknown[0]!r}; this template may use: {allowed}", line
            )

    def render(self, name: str, variables: Mapping[str, Any], *, source: str | None = None) -> str:
        """Render the running version of ``name`` (or ``source``, for a preview)."""
        text = source if source is not None else self._active[name].source
        if source is not None:
            self.validate(name, source)
        template = self._template(text)
        try:
            with _deadline(self.time_limit):
                return _bounded(name, template.generate(dict(variables))).strip()
        except _OutOfTime as exc:
            line = template_line(exc)
            raise TemplateRejected(
                name,
                f"the template took longer than {self.time_limit:g} s to render; "
                "look for a loop that runs too many times",
                template.get_corresponding_lineno(line) if line else None,
            ) from None
        except SecurityError as exc:
            raise TemplateRejected(name, f"not allowed in the sandbox: {exc}") from exc
        except TemplateError as exc:
            line = getattr(exc, "lineno", None)
            raise TemplateRejected(name, str(exc), line) from exc
        except Exception as exc:  # a filter or an operation failing on this data
            raise TemplateRejected(name, f"{type(exc).__name__}: {exc}") from exc

    def _template(self, source: str) -> Template:
        compiled = self._compiled.get(source)
        if compiled is None:
            compiled = self._env.from_string(source)
            if len(self._compiled) >= COMPILED_CACHE_SIZE:
                self._compiled.clear()
            self._compiled[source] = compiled
        return compiled


def _bounded(name: str, chunks: Iterator[str]) -> str:
    """The output, or :class:`TemplateRejected` as soon as it passes ``MAX_OUTPUT_CHARS``."""
    out: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_OUTPUT_CHARS:
            raise TemplateRejected(
                name,
                f"the template produced more than {MAX_OUTPUT_CHARS:,} characters; "
                "look for a loop that prints too much",
            )
        out.append(chunk)
    return "".join(out)


class _OutOfTime(BaseException):
    """Raised inside a render past its deadline.

    A ``BaseException``: no ``except Exception`` on the render's path (Jinja's
    own included) may swallow it and let the render carry on.
    """


@contextmanager
def _deadline(seconds: float | None) -> Iterator[None]:
    """Stop Python code run in this thread after ``seconds``, from its next call or line.

    A trace function, for this thread only: the template's loops are plain
    Python ``for`` loops that call nothing and print nothing we could watch.
    Tracing costs time, so only renders with a time limit (previews) pay it.
    """
    if seconds is None:
        yield
        return
    deadline = time.monotonic() + seconds

    def on_line(frame: FrameType, event: str, arg: Any) -> Any:
        if time.monotonic() > deadline:
            raise _OutOfTime
        return on_line

    def on_call(frame: FrameType, event: str, arg: Any) -> Any:
        if time.monotonic() > deadline:
            raise _OutOfTime
        # Line by line only in the template's own code, where its loops are.
        return on_line if frame.f_code.co_filename == "<template>" else None

    previous = sys.gettrace()
    sys.settrace(on_call)
    try:
        yield
    finally:
        sys.settrace(previous)


# Methods that change what they are called on: the immutable sandbox refuses them
# when they run, so a branch real data reaches first would fail only then.
_MUTATING = frozenset(
    {
        *("append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault"),
        *("popitem", "add", "discard", "sort", "reverse", "difference_update"),
        *("intersection_update", "symmetric_difference_update"),
    }
)
_UNSAFE = (
    UNSAFE_FUNCTION_ATTRIBUTES
    | UNSAFE_METHOD_ATTRIBUTES
    | UNSAFE_GENERATOR_ATTRIBUTES
    | UNSAFE_COROUTINE_ATTRIBUTES
    | UNSAFE_ASYNC_GENERATOR_ATTRIBUTES
    | {"mro"}
)


def _unsafe_access(tree: nodes.Template) -> tuple[str, int] | None:
    """The first attribute in any branch the sandbox would refuse, and its line.

    Walks the whole syntax tree, so an expression behind an ``{% if %}`` that
    no sample reaches is refused at save time, not when a customer's message
    reaches it.
    """
    for node in tree.find_all((nodes.Getattr, nodes.Getitem, nodes.Call)):
        if isinstance(node, nodes.Call):
            callee = node.node
            if isinstance(callee, nodes.Getattr) and callee.attr in _MUTATING:
                return callee.attr, callee.lineno
            continue
        attr: object = None
        if isinstance(node, nodes.Getattr):
            attr = node.attr
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            attr = node.arg.value
        if isinstance(attr, str) and (attr.startswith("_") or attr in _UNSAFE):
            return attr, node.lineno
    return None


def template_line(exc: BaseException | None) -> int | None:
    """The template line in a render error's traceback (Jinja names those frames ``<template>``)."""
    tb = exc.__traceback__ if exc else None
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def default_source(name: str) -> str:
    return (TEMPLATE_DIR / f"{name}.j2").read_text(encoding="utf-8")


def _first_line_mentioning(source: str, word: str) -> int | None:
    for number, line in enumerate(source.splitlines(), start=1):
        if word in line:
            return number
    return None
