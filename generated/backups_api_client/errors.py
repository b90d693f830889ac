"""Contains shared errors types that can be raised from API functions"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._sse import ServerSentEvent


class UnexpectedStatus(Exception):
    """Raised by api functions when the response status an undocumented status and Client.raise_on_unexpected_status is True

    The stream functions of streamed operations raise it for every status other than 2xx, since such
    an answer has no events to give.
    """

    def __init__(self, status_code: int, content: bytes):
        self.status_code = status_code
        self.content = content

        super().__init__(
            f"Unexpected status code: {status_code}\n\nResponse content:\n{content.decode(errors='ignore')}"
        )


class StreamError(Exception):
    """An event stream did not end the way the API declares."""


class StreamFailed(StreamError):
    """The server ended the stream with a failure event.

    Attributes:
        event: The failure event.
        message: Why it failed, from the event's data, when the API declares where it says so.
    """

    def __init__(self, event: "ServerSentEvent", message: str | None) -> None:
        self.event = event
        self.message = message
        super().__init__(message or f"The stream ended with a {event.event!r} event")


class StreamTruncated(StreamError):
    """The stream ended before its terminal event: the server or the connection broke off.

    Attributes:
        last_event: The last event received, if any.
    """

    def __init__(self, last_event: "ServerSentEvent | None") -> None:
        self.last_event = last_event
        after = f" (last event id {last_event.id!r})" if last_event and last_event.id else ""
        super().__init__(f"The stream ended before its terminal event{after}")


class InvalidEvent(StreamError):
    """An event the client cannot read: its data is not what the API declares, or it is too large.

    Attributes:
        event: The event, when it was complete.
    """

    def __init__(self, reason: str, event: "ServerSentEvent | None" = None) -> None:
        self.event = event
        super().__init__(reason)


__all__ = ["InvalidEvent", "StreamError", "StreamFailed", "StreamTruncated", "UnexpectedStatus"]
