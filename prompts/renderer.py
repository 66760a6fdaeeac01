"""Rendering prompt templates safely.

Templates are Jinja2 run in an ``ImmutableSandboxedEnvironment`` with
``StrictUndefined``: an admin's template cannot reach Python internals, cannot
mutate the data it is given, and fails loudly on a misspelt variable. Customer
text reaches templates only as values, and the shipped templates print it
through ``tojson`` inside a ``<customer_data>`` fence, so it cannot close the
fence or pass for instructions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, meta
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

TEMPLATE_DIR = Path(__file__).with_name("templates")
COMPILED_CACHE_SIZE = 32  # the running templates plus a few previews

#: Every template, what it is for, and the variables it may use.
TEMPLATES: dict[str, tuple[str, frozenset[str]]] = {
    "system": (
        "Persona and rules for every draft",
        frozenset({"company", "bot_name", "max_sentences"}),
    ),
    "reply": (
        "The request for a reply to a customer's message",
        frozenset({"customer", "message", "recalled", "now"}),
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


class PromptRenderer:
    def __init__(self, overrides: Mapping[str, ActiveTemplate] | None = None) -> None:
        self._env = ImmutableSandboxedEnvironment(
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
            trim_blocks=False,
        )
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
        try:
            return self._template(text).render(dict(variables)).strip()
        except SecurityError as exc:
            raise TemplateRejected(name, f"not allowed in the sandbox: {exc}") from exc
        except TemplateError as exc:
            line = getattr(exc, "lineno", None)
            raise TemplateRejected(name, str(exc), line) from exc

    def _template(self, source: str) -> Template:
        compiled = self._compiled.get(source)
        if compiled is None:
            compiled = self._env.from_string(source)
            if len(self._compiled) >= COMPILED_CACHE_SIZE:
                self._compiled.clear()
            self._compiled[source] = compiled
        return compiled


def default_source(name: str) -> str:
    return (TEMPLATE_DIR / f"{name}.j2").read_text(encoding="utf-8")


def _first_line_mentioning(source: str, word: str) -> int | None:
    for number, line in enumerate(source.splitlines(), start=1):
        if word in line:
            return number
    return None
