"""The events of a streamed operation, typed by the model its API declares.

A streamed operation's module has ``stream(...)`` and ``astream(...)``, which return a
:class:`Stream` or an :class:`AsyncStream`: use it as a context manager, and iterate over it for
the item of each event. ``.last_event`` is the :class:`ServerSentEvent` of the latest item (its
type, id and raw data), ``.response`` the ``httpx.Response`` of the current connection, and
``.final()`` reads to the end and returns the terminal item.

When the connection breaks before the terminal event, a stream whose request is safe to repeat
(see ``_http``) reconnects by itself: it sends the same request again, with ``Last-Event-ID``
set to the id of the last event it received, and goes on with the events after it. It waits
first, for the ``retry:`` the server asked for or the retry backoff, whichever is longer. It
gives up, with :class:`errors.StreamTruncated`, after ``max_retries`` reconnections in a row that
brought no event, or when the server refuses to resume.
"""

from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from json import loads
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Literal, Self, TypeVar

import httpx
from attrs import field, frozen, validators

from ._http import MAX_RETRY_AFTER, CallOptions, _max_retries, asend, backoff, repeatable, send
from ._sse import EventParser, ServerSentEvent
from .errors import APIError, InvalidEvent, StreamError, StreamFailed, StreamTruncated, status_error

if TYPE_CHECKING:
    from .client import AuthenticatedClient, Client

__all__ = ["AsyncStream", "ServerSentEvent", "Stream", "StreamContract"]

T = TypeVar("T")
Outcome = Literal["success", "failure"]

EVENT_STREAM = "text/event-stream"
LAST_EVENT_ID = "Last-Event-ID"
_BROKEN_OFF = (httpx.RemoteProtocolError, httpx.ReadError, httpx.ReadTimeout)
"""What httpx raises when the connection breaks off, or goes silent, in the middle of the body."""


@frozen
class StreamContract(Generic[T]):
    """What the API declares about one operation's event stream.

    Attributes:
        decode: Builds the item of an event from its data.
        terminal_events: The event types that end the stream, each with its outcome. When there
            are some, a stream that ends without one is truncated.
        message_field: The field of a failure event's data that says why it failed.
    """

    decode: Callable[[str], T]
    terminal_events: Mapping[str, Outcome] = field(
        factory=dict,
        validator=validators.deep_mapping(validators.instance_of(str), validators.in_(("success", "failure"))),
    )
    message_field: str | None = None


class _EventStream(Generic[T]):
    """What the sync and the async stream share: everything but the I/O."""

    def __init__(
        self,
        client: "AuthenticatedClient | Client",
        request: dict[str, Any],
        options: CallOptions,
        contract: StreamContract[T],
    ) -> None:
        self.last_event: ServerSentEvent | None = None
        self._response: httpx.Response | None = None
        self._client = client
        self._request = {
            **request,
            "headers": {**request.get("headers", {}), "Accept": EVENT_STREAM, "Cache-Control": "no-cache"},
        }
        self._options = options
        self._contract = contract
        self._parser = EventParser()
        self._decode = contract.decode
        self._outcomes = contract.terminal_events
        self._finished = False
        self._reconnections = 0
        """Reconnections in a row that have brought no event yet."""

    @property
    def response(self) -> httpx.Response:
        """The answer of the server on the current connection, once the stream is entered."""
        if self._response is None:
            raise RuntimeError("The stream is not open: enter it with `with` (or `async with`) first")
        return self._response

    def _item(self, event: ServerSentEvent) -> T:
        self.last_event = event
        self._reconnections = 0
        outcome = self._outcomes.get(event.event)
        if outcome is not None:
            self._finished = True
            if outcome == "failure":
                raise StreamFailed(event, self._message(event))
        try:
            return self._decode(event.data)
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            raise InvalidEvent(f"The data of a {event.event!r} event cannot be read: {error}", event) from error

    def _message(self, event: ServerSentEvent) -> str | None:
        if self._contract.message_field is None:
            return None
        try:
            message = loads(event.data).get(self._contract.message_field)
        except (ValueError, AttributeError):
            return None
        return message if isinstance(message, str) else None

    def _wait_to_reconnect(self, broken_off: Exception | None) -> float | None:
        """Once the body has ended before a terminal event (``broken_off`` says how, None for a clean
        end): the wait before reconnecting, or None when the stream is over because the API declares
        no terminal event; raises StreamTruncated when the stream cannot be resumed."""
        if broken_off is None and not self._outcomes:
            return None
        resumable = self.last_event is None or bool(self.last_event.id)  # else it would start over
        asked = (self._parser.retry or 0) / 1000
        if (
            not (resumable and repeatable(self.response.request))
            or self._reconnections >= _max_retries(self._client, self._options)
            or asked > MAX_RETRY_AFTER
        ):
            raise StreamTruncated(self.last_event) from broken_off
        self._reconnections += 1
        return max(asked, backoff(self._reconnections))

    def _resumed_request(self) -> dict[str, Any]:
        """The request again, asking for the events after the last one received."""
        self._parser = EventParser()
        if self.last_event is None or not self.last_event.id:
            return self._request
        return {**self._request, "headers": {**self._request["headers"], LAST_EVENT_ID: self.last_event.id}}


def _is_event_stream(response: httpx.Response) -> bool:
    media_type = response.headers.get("Content-Type", "").partition(";")[0]
    return response.is_success and media_type.strip().lower() == EVENT_STREAM


def _refusal(response: httpx.Response) -> APIError:
    """The error for an answer that is not an event stream, once its body is read."""
    if not response.is_success:
        return status_error(response)
    content_type = response.headers.get("Content-Type")
    return StreamError(f"Expected a {EVENT_STREAM} answer, got Content-Type {content_type!r}")


class Stream(_EventStream[T]):
    """The events of one call, read as they arrive: ``with stream(...) as events: for item in events: ...``

    Entering sends the request; exiting closes the connection, however the block ends.
    """

    _iterator: Generator[T] | None = None

    def __enter__(self) -> Self:
        self._response = self._open(self._request)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop reading and close the connection."""
        try:
            if self._iterator is not None:
                self._iterator.close()
        finally:
            if self._response is not None:
                self._response.close()

    def __iter__(self) -> Generator[T]:
        self._iterator = self._iterate()
        return self._iterator

    def final(self) -> T:
        """Read the stream to its end; the item of its last event (the terminal one, when the API
        declares terminal events)."""
        found = False
        for item in self:
            last, found = item, True
        if not found:
            raise StreamError("The stream ended without an event")
        return last

    def _open(self, request: dict[str, Any]) -> httpx.Response:
        response = send(self._client, request, self._options, stream=True)
        if not _is_event_stream(response):
            try:
                response.read()
            finally:
                response.close()
            raise _refusal(response)
        return response

    def _iterate(self) -> Generator[T]:
        while True:
            broken_off: Exception | None = None
            try:
                for chunk in self.response.iter_bytes():
                    for event in self._parser.feed(chunk):
                        yield self._item(event)
                        if self._finished:
                            return
            except _BROKEN_OFF as error:
                broken_off = error
            wait = self._wait_to_reconnect(broken_off)
            if wait is None:
                return
            self.response.close()
            self._client.clock.sleep(wait)
            try:
                self._response = self._open(self._resumed_request())
            except APIError as error:
                raise StreamTruncated(self.last_event) from error


class AsyncStream(_EventStream[T]):
    """The events of one call, read as they arrive: ``async with astream(...) as events: async for item in events: ...``

    Entering sends the request; exiting closes the connection, however the block ends, cancellation included.
    """

    _iterator: AsyncGenerator[T] | None = None

    async def __aenter__(self) -> Self:
        self._response = await self._open(self._request)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop reading and close the connection."""
        try:
            if self._iterator is not None:
                await self._iterator.aclose()
        finally:
            if self._response is not None:
                await self._response.aclose()

    def __aiter__(self) -> AsyncGenerator[T]:
        self._iterator = self._aiterate()
        return self._iterator

    async def final(self) -> T:
        """Read the stream to its end; the item of its last event (the terminal one, when the API
        declares terminal events)."""
        found = False
        async for item in self:
            last, found = item, True
        if not found:
            raise StreamError("The stream ended without an event")
        return last

    async def _open(self, request: dict[str, Any]) -> httpx.Response:
        response = await asend(self._client, request, self._options, stream=True)
        if not _is_event_stream(response):
            try:
                await response.aread()
            finally:
                await response.aclose()
            raise _refusal(response)
        return response

    async def _aiterate(self) -> AsyncGenerator[T]:
        while True:
            broken_off: Exception | None = None
            try:
                async for chunk in self.response.aiter_bytes():
                    for event in self._parser.feed(chunk):
                        yield self._item(event)
                        if self._finished:
                            return
            except _BROKEN_OFF as error:
                broken_off = error
            wait = self._wait_to_reconnect(broken_off)
            if wait is None:
                return
            await self.response.aclose()
            await self._client.clock.asleep(wait)
            try:
                self._response = await self._open(self._resumed_request())
            except APIError as error:
                raise StreamTruncated(self.last_event) from error
