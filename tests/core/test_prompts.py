"""Prompt templates are sandboxed, strict, and validated before use."""

from __future__ import annotations

import pytest

from prompts.renderer import ActiveTemplate, PromptRenderer, TemplateRejected


def test_shipped_templates_render():
    """Every shipped template renders with its declared variables."""
    r = PromptRenderer()
    out = r.render("system", {"company": "Acme", "bot_name": "Ro", "max_sentences": 3})
    assert "Acme" in out


def test_sandbox_refuses_reaching_python_internals():
    """A template that tries to escape the sandbox is refused, and the running version stays."""
    r = PromptRenderer()
    evil = "{{ company.__class__.__mro__[1].__subclasses__() }}"
    with pytest.raises(TemplateRejected, match="not allowed"):
        r.render("system", {"company": "x", "bot_name": "y", "max_sentences": 1}, source=evil)
    assert r.source("system").version == "file"


def test_undeclared_variable_is_refused_with_its_line():
    """Using a variable the template does not get names the variable and the line."""
    r = PromptRenderer()
    with pytest.raises(TemplateRejected) as info:
        r.use("system", ActiveTemplate("Hello\n{{ secrets }}", "v2"))
    assert info.value.line == 2 and "secrets" in info.value.reason


def test_syntax_error_is_refused_with_its_line():
    """A template that does not parse is refused with the line number."""
    with pytest.raises(TemplateRejected) as info:
        PromptRenderer().validate("reply", "line one\n{% for x in %}")
    assert info.value.line == 2


def test_templates_cannot_mutate_the_data_they_get():
    """The immutable sandbox forbids changing customer data from a template."""
    r = PromptRenderer()
    source = "{{ customer.facts.append('owes us money') }}"
    variables = {"customer": {"facts": []}, "message": {}, "recalled": [], "now": ""}
    with pytest.raises(TemplateRejected):
        r.render("reply", variables, source=source)
    assert variables["customer"]["facts"] == []
