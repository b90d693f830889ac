"""The events of a streamed operation, typed by the model its API declares.

A streamed operation's module has ``stream(...)`` and ``astream(...)``, which return a
:class:`Stream` or an :class:`AsyncStream`: use it as a context manager, and iterate over it for
the item of each event. ``.last_event`` is the :class:`ServerSentEvent` of the latest item (its
type, id and raw data), ``.response`` the ``httpx.Response`` of the current connection, and
``.final()`` reads to the end and returns the terminal item.

When the connection breaks before the terminal event, a stream whose request is safe to repeat
(see ``_http``) reconnects by itself: it sends the same request again, with ``Last-Event-ID``
set to the id of the last event it received, and goes on with the events after it. It waits
first, for the ``retry:`` the server asked for or the retry backoff, whichever is longer.

A resumption never hands out an event twice, and never loops. Event ids are sequence numbers:
after a reconnection, an event whose id is not greater than the last one handed out is dropped,
and only a new event counts as progress. A server that answers a resumed request from its start
(it ignores ``Last-Event-ID``, so it may have started the work again) is not trusted with another
reconnection. The stream gives up, with :class:`errors.StreamTruncated` saying why, after
``max_retries`` reconnections in a row that brought no new event, after the client's
``max_reconnections`` in all, when its events carry no sequence number to resume after, or when
the server refuses to resume.
"""

from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from json import loads
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Literal, Self, TypeVar

import httpx
from attrs import field, frozen, validators

from ._http import MAX_RETRY_AFTER, CallOptions, _max_retries, asend, backoff, repeatable, send
from ._sse import EventParser, ServerSentEvent
from .errors import APIError, APIStatusError, InvalidEvent, StreamError, StreamFailed, StreamTruncated, status_error

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
        self._last_number: int | None = None
        """The sequence number of the last event handed out, when its id is one."""
        self._in_a_row = 0
        """Reconnections in a row that have brought no new event yet."""
        self._reconnections = 0
        self._resumed = False
        """Whether the current connection resumes the stream, so its events may repeat handed-out ones."""
        self._first_on_connection = True
        self._replayed = False
        """Whether the server answered a resumed request from its start."""

    @property
    def response(self) -> httpx.Response:
        """The answer of the server on the current connection, once the stream is entered."""
        if self._response is None:
            raise RuntimeError("The stream is not open: enter it with `with` (or `async with`) first")
        return self._response

    def _is_new(self, event: ServerSentEvent) -> bool:
        """Whether the event comes after every event handed out. On a resumed connection, only an event
        whose sequence number is greater than the last one's does; a first event that does not means
        the server answered the resumed request from its start."""
        if not self._resumed or self._last_number is None:
            return True
        number = _sequence_number(event.id)
        new = number is not None and number > self._last_number
        if self._first_on_connection and not new:
            self._replayed = True
        self._first_on_connection = False
        return new

    def _item(self, event: ServerSentEvent) -> T:
        self.last_event = event
        self._last_number = _sequence_number(event.id)
        self._in_a_row = 0
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
        reason = self._unresumable()
        if reason is not None:
            raise StreamTruncated(self.last_event, reason) from broken_off
        self._in_a_row += 1
        self._reconnections += 1
        return max((self._parser.retry or 0) / 1000, backoff(self._in_a_row))

    def _unresumable(self) -> str | None:
        """Why the stream cannot be resumed now, or None when it can."""
        asked = (self._parser.retry or 0) / 1000
        in_a_row = _max_retries(self._client, self._options)
        if not repeatable(self.response.request):
            return "its request is not safe to repeat"
        if self.last_event is not None and self._last_number is None:
            return "its events carry no sequence number to resume after"
        if self._replayed:
            return "the server answered the resumed request from its start, so it does not resume streams"
        if self._in_a_row >= in_a_row:
            return f"{self._in_a_row} reconnections in a row brought no new event"
        if self._reconnections >= self._client.max_reconnections:
            return f"it was resumed {self._reconnections} times, the client's max_reconnections"
        if asked > MAX_RETRY_AFTER:
            return f"the server asks for {asked:g} s before a reconnection, more than {MAX_RETRY_AFTER:g} s"
        return None

    def _resumed_request(self) -> dict[str, Any]:
        """The request again, asking for the events after the last one handed out."""
        self._parser = EventParser()
        self._resumed = True
        self._first_on_connection = True
        if self.last_event is None:
            return self._request
        return {**self._request, "headers": {**self._request["headers"], LAST_EVENT_ID: self.last_event.id}}

    def _not_resumed(self, error: APIError) -> StreamTruncated:
        """The error of a stream whose reconnection failed with ``error``."""
        refused = isinstance(error, APIStatusError)
        return StreamTruncated(
            self.last_event, "the server refused to resume it" if refused else "its reconnection failed"
        )


def _sequence_number(event_id: str) -> int | None:
    """An event id as the sequence number it is, or None when it is not one."""
    return int(event_id) if event_id.isascii() and event_id.isdigit() else None


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
                        if not self._is_new(event):
                            continue
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
                raise self._not_resumed(error) from error


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
                        if not self._is_new(event):
                            continue
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
                raise self._not_resumed(error) from error
