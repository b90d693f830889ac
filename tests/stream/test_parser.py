"""The event-stream parser of the generated package, against the WHATWG rules.

https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
"""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backups_api_client._sse import EventParser, ServerSentEvent
from backups_api_client.errors import InvalidEvent

BOM = "\ufeff".encode()


def parse(stream: bytes, cuts: list[int] | None = None) -> list[ServerSentEvent]:
    """The events of `stream`, fed whole or cut at the given offsets."""
    bounds = [0, *sorted(cuts or []), len(stream)]
    parser = EventParser()
    return [event for start, end in pairwise(bounds) for event in parser.feed(stream[start:end])]


def reference_lines(stream: bytes) -> list[str]:
    """The complete lines of a stream, one character at a time."""
    text = stream.decode("utf-8", errors="replace").removeprefix("\ufeff")
    lines, line, position = [], "", 0
    while position < len(text):
        char = text[position]
        if char in "\r\n":
            lines.append(line)
            line = ""
            if text[position : position + 2] == "\r\n":
                position += 1
        else:
            line += char
        position += 1
    return lines


def reference(stream: bytes) -> list[ServerSentEvent]:
    """The standard's algorithm as it is written: slow, and plainly right."""
    events: list[ServerSentEvent] = []
    data, event_type, last_id, retry = "", "", "", None
    for line in reference_lines(stream):
        if line == "":
            if data:
                events.append(ServerSentEvent(data[:-1], event_type or "message", last_id, retry))
            data, event_type = "", ""
            continue
        if line.startswith(":"):
            continue
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "event":
            event_type = value
        elif name == "data":
            data += value + "\n"
        elif name == "id" and "\0" not in value:
            last_id = value
        elif name == "retry" and value and all(char in "0123456789" for char in value):
            retry = int(value)
    return events


E = ServerSentEvent

EDGE_CASES = [
    pytest.param(b"data: a\n\n", [E("a")], id="lf"),
    pytest.param(b"data: a\r\n\r\n", [E("a")], id="crlf"),
    pytest.param(b"data: a\r\r", [E("a")], id="cr"),
    pytest.param(b"data: a\n\r\ndata: b\r\r", [E("a"), E("b")], id="mixed-line-ends"),
    pytest.param(b"data: a\r\n", [], id="crlf-is-one-line-end"),
    pytest.param(b"data: YHOO\ndata: +2\ndata: 10\n\n", [E("YHOO\n+2\n10")], id="multi-line-data"),
    pytest.param(b": test stream\n\ndata: a\n:another\n\n", [E("a")], id="comments"),
    pytest.param(b"data\n\ndata\ndata\n\ndata:\n", [E(""), E("\n")], id="field-without-colon"),
    pytest.param(b"data:test\n\ndata: test\n\n", [E("test"), E("test")], id="one-leading-space"),
    pytest.param(b"data:  two spaces\n\n", [E(" two spaces")], id="only-one-space-stripped"),
    pytest.param(b"data: a:b: c\n\n", [E("a:b: c")], id="colon-in-value"),
    pytest.param(BOM + b"data: a\n\n", [E("a")], id="bom"),
    pytest.param(BOM + BOM + b"data: a\n\ndata: b\n\n", [E("b")], id="only-one-bom"),
    pytest.param(b"event: add\ndata: 1\n\ndata: 2\n\n", [E("1", "add"), E("2")], id="event-type"),
    pytest.param(b"event: add\n\ndata: 1\n\n", [E("1")], id="event-type-reset-without-data"),
    pytest.param(b"event:\ndata: 1\n\n", [E("1", "message")], id="empty-event-type"),
    pytest.param(
        b"id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n",
        [E("a", id="1"), E("b", id="1"), E("c", id="")],
        id="id-persists-until-reset",
    ),
    pytest.param(
        b"id: 1\ndata: a\n\nid: 2\0\ndata: b\n\n", [E("a", id="1"), E("b", id="1")], id="id-with-nul"
    ),
    pytest.param(
        b"retry: 1500\ndata: a\n\ndata: b\n\n", [E("a", retry=1500), E("b", retry=1500)], id="retry"
    ),
    pytest.param(
        "retry: 15a\nretry: -1\nretry: 1.5\nretry: \nretry: \u0661\u0662\ndata: a\n\n".encode(),
        [E("a")],
        id="retry-digits-only",
    ),
    pytest.param(b"id: 1\nretry: 10\nevent: x\n\n", [], id="no-data-no-event"),
    pytest.param(b"data: a\n\ndata: b\n", [E("a")], id="incomplete-event-discarded"),
    pytest.param(b"data: a", [], id="unterminated-line-discarded"),
    pytest.param(b"Data: a\nDATA: b\n data: c\n\n", [], id="names-exact"),
    pytest.param(b"foo: bar\ndata: a\n\n", [E("a")], id="unknown-field-ignored"),
    pytest.param("data: Zoë €\n\n".encode(), [E("Zoë €")], id="utf-8"),
    pytest.param(b"data: \xff\xfe\n\n", [E("\ufffd\ufffd")], id="invalid-utf-8-replaced"),
    pytest.param(b"", [], id="empty"),
]


@pytest.mark.parametrize(("stream", "expected"), EDGE_CASES)
def test_edge_cases(stream: bytes, expected: list[ServerSentEvent]) -> None:
    assert parse(stream) == expected
    assert reference(stream) == expected


@pytest.mark.parametrize(("stream", "expected"), EDGE_CASES)
def test_edge_cases_one_byte_at_a_time(stream: bytes, expected: list[ServerSentEvent]) -> None:
    assert parse(stream, cuts=list(range(1, len(stream)))) == expected


def test_events_are_returned_by_the_chunk_that_completes_them() -> None:
    parser = EventParser()
    assert parser.feed(b"data: a\n") == []
    assert parser.feed(b"\ndata: b\n\ndata: c") == [E("a"), E("b")]
    assert parser.feed(b"\n\n") == [E("c")]


def test_a_cr_ending_a_chunk_and_an_lf_starting_the_next_are_one_line_end() -> None:
    parser = EventParser()
    assert parser.feed(b"data: a\r") == []
    assert parser.feed(b"\ndata: b\r") == []
    assert parser.feed(b"\r") == [E("a\nb")]


FIELD_NAMES = ["data", "event", "id", "retry", "", "dat", "Data", "\ufeffdata"]
VALUE_TEXT = st.text(
    st.sampled_from(["a", " ", ":", "7", "\0", "é", "€", "😀", "\ufeff", "\u0661"]), max_size=6
)


@st.composite
def event_streams(draw: st.DrawFn) -> bytes:
    """Streams of the shape servers send, with every kind of line and line end mixed in."""
    lines = draw(
        st.lists(
            st.one_of(
                st.just(""),
                st.builds(lambda name, value: f"{name}:{value}", st.sampled_from(FIELD_NAMES), VALUE_TEXT),
                st.sampled_from(FIELD_NAMES),
            ),
            max_size=25,
        )
    )
    ends = draw(st.lists(st.sampled_from(["\n", "\r", "\r\n"]), min_size=len(lines), max_size=len(lines)))
    text = "".join(line + end for line, end in zip(lines, ends, strict=True))
    return (BOM if draw(st.booleans()) else b"") + text.encode() + draw(st.binary(max_size=3))


def cuts_of(stream: bytes) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(0, len(stream)), max_size=len(stream))


@given(st.data(), event_streams())
def test_any_chunking_gives_the_events_of_the_standard(data: st.DataObject, stream: bytes) -> None:
    expected = reference(stream)
    assert parse(stream) == expected
    assert parse(stream, data.draw(cuts_of(stream))) == expected


@given(st.data(), st.binary(max_size=60))
def test_any_bytes_in_any_chunks_give_the_events_of_the_standard(data: st.DataObject, stream: bytes) -> None:
    assert parse(stream, data.draw(cuts_of(stream))) == reference(stream)


def test_a_line_longer_than_the_limit_is_refused_before_it_ends() -> None:
    parser = EventParser(max_size=10)
    assert parser.feed(b"data: short\n\n") == [ServerSentEvent("short")]
    with pytest.raises(InvalidEvent, match="longer than 10"):
        parser.feed(b"data: " + b"x" * 20)


def test_an_event_longer_than_the_limit_is_refused() -> None:
    parser = EventParser(max_size=10)
    with pytest.raises(InvalidEvent, match="longer than 10"):
        parser.feed(b"data: 12345\ndata: 67890\n")
