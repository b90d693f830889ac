"""Server-Sent Events: the event, and an incremental parser of the event-stream format.

The parser follows https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream
"""

import codecs

from attrs import define

from .errors import InvalidEvent

MAX_EVENT_SIZE = 16 * 1024 * 1024
"""The most characters one line or one event's data may hold, so a broken server cannot make the
client buffer without bound."""


@define
class ServerSentEvent:
    """One dispatched event.

    Attributes:
        data: The event's data lines, joined with LF.
        event: The event type, ``message`` unless the server named one.
        id: The last event ID the server set, on this event or an earlier one.
        retry: The reconnection time in milliseconds the server asked for last, if it did.
    """

    data: str
    event: str = "message"
    id: str = ""
    retry: int | None = None


class EventParser:
    """Turns the bytes of an event stream, fed in chunks of any size, into events.

    A chunk may end anywhere: inside a line, between the CR and LF of a line ending, or inside a
    UTF-8 sequence. An event left incomplete when the stream ends is never dispatched. A line or
    an event's data longer than ``max_size`` characters raises :class:`errors.InvalidEvent`.
    """

    __slots__ = ("_after_cr", "_data", "_data_size", "_decode", "_event", "_last_id", "_max_size", "_retry", "_tail")

    def __init__(self, max_size: int = MAX_EVENT_SIZE) -> None:
        self._decode = codecs.getincrementaldecoder("utf-8-sig")(errors="replace").decode
        self._max_size = max_size
        self._tail = ""
        self._after_cr = False
        self._data: list[str] = []
        self._data_size = 0
        self._event = ""
        self._last_id = ""
        self._retry: int | None = None

    @property
    def retry(self) -> int | None:
        """The reconnection time in milliseconds the stream asked for last, with or without an event."""
        return self._retry

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """The events that this chunk completes."""
        text = self._decode(chunk)
        if not text:
            return []
        if self._after_cr:
            self._after_cr = False
            if text[0] == "\n":
                text = text[1:]
        if "\r" in text:
            self._after_cr = text[-1] == "\r"
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        lines[0] = self._tail + lines[0]
        self._tail = lines.pop()
        if len(self._tail) > self._max_size:
            raise InvalidEvent(f"A line of the event stream is longer than {self._max_size} characters")
        return self._interpret(lines) if lines else []

    def _interpret(self, lines: list[str]) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        data = self._data
        for line in lines:
            if not line:
                if data:
                    events.append(
                        ServerSentEvent("\n".join(data), self._event or "message", self._last_id, self._retry)
                    )
                    data = self._data = []
                    self._data_size = 0
                self._event = ""
                continue
            name, _, value = line.partition(":")
            if value and value[0] == " ":
                value = value[1:]
            if name == "data":
                data.append(value)
                self._data_size += len(value) + 1
                if self._data_size > self._max_size:
                    raise InvalidEvent(f"An event's data is longer than {self._max_size} characters")
            elif name == "event":
                self._event = value
            elif name == "id":
                if "\0" not in value:
                    self._last_id = value
            elif name == "retry" and value.isascii() and value.isdigit():
                self._retry = int(value)
        return events
