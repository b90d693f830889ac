"""Filters that turn the spec's texts into what a page or a line of code needs."""

from __future__ import annotations

import re

from openapi_python_client.schema.untrusted_string import UntrustedString
from openapi_python_client.strings import pascal_case

_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def plain(text: UntrustedString | str | None) -> str:
    """The text, stripped; empty for none."""
    return (text.get_untrusted_value() if isinstance(text, UntrustedString) else text or "").strip()


def first_sentence(text: UntrustedString | str | None) -> str:
    """The text's first sentence, on one line: what a list of commands or methods shows."""
    one_line = " ".join(plain(text).split())
    return _SENTENCE_END.split(one_line, maxsplit=1)[0]


def table_cell(text: UntrustedString | str | None) -> str:
    """Text on one line, with its pipes escaped, for a cell of a Markdown table."""
    if isinstance(text, UntrustedString):
        text = text.get_untrusted_value()
    return " ".join((text or "").split()).replace("|", "\\|")


def python_literal(text: UntrustedString | str | None) -> str:
    """Text as a Python string literal: one literal per line, in parentheses, when it spans lines."""
    if isinstance(text, UntrustedString):
        text = text.get_untrusted_value()
    lines = (text or "").strip().splitlines(keepends=True)
    if len(lines) < 2:
        return repr("".join(lines))
    return "(\n" + "\n".join(repr(line) for line in lines) + "\n)"


def api_page(tag: str) -> str:
    """The file name of a tag's page in docs/."""
    return f"{pascal_case(tag)}Api.md"
