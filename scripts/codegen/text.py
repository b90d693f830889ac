"""Filters that turn the spec's texts into what a page or a line of code needs."""

from __future__ import annotations

import re

from openapi_python_client.schema.untrusted_string import UntrustedString

_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def plain(text: UntrustedString | str | None) -> str:
    """The text, stripped; empty for none."""
    return (text.get_untrusted_value() if isinstance(text, UntrustedString) else text or "").strip()


def first_sentence(text: UntrustedString | str | None) -> str:
    """The text's first sentence, on one line: what a list of commands or methods shows."""
    one_line = " ".join(plain(text).split())
    return _SENTENCE_END.split(one_line, maxsplit=1)[0]
