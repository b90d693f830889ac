"""The events of a streamed operation, typed by the model its API declares.

A streamed operation's module has ``stream(...)`` and ``astream(...)``, which return a
:class:`Stream` or an :class:`AsyncStream`: use it as a context manager, and iterate over it for
the item of each event. ``.last_event`` is the :class:`ServerSentEvent` of the latest item (its
type, id and raw data) and ``.response`` the ``httpx.Response``.
"""

from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from json import loads
from types import TracebackType
from typing import Any, Generic, Literal, Self, TypeVar

import httpx
from attrs import field, frozen, validators

from ._sse import EventParser, ServerSentEvent
from .errors import InvalidEvent, StreamError, StreamFailed, StreamTruncated, UnexpectedStatus

__all__ = ["AsyncStream", "ServerSentEvent", "Stream", "StreamContract"]

T = TypeVar("T")
Outcome = Literal["success", "failure"]

EVENT_STREAM = "text/event-stream"
_BROKEN_OFF = (httpx.RemoteProtocolError, httpx.ReadError)
"""What httpx raises when the connection ends in the middle of the body."""


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

    def __init__(self, request: dict[str, Any], contract: StreamContract[T]) -> None:
        self.last_event: ServerSentEvent | None = None
        self._response: httpx.Response | None = None
        self._request = request
        self._contract = contract
        self._parser = EventParser()
        self._decode = contract.decode
        self._outcomes = contract.terminal_events
        self._finished = False

    @property
    def response(self) -> httpx.Response:
        """The answer of the server, once the stream is entered."""
        if self._response is None:
            raise RuntimeError("The stream is not open: enter it with `with` (or `async with`) first")
        return self._response

    def _build_request(self, client: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        request = client.build_request(**self._request)
        request.headers["Accept"] = EVENT_STREAM
        request.headers["Cache-Control"] = "no-cache"
        return request

    def _item(self, event: ServerSentEvent) -> T:
        self.last_event = event
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

    def _check_end(self) -> None:
        if self._outcomes and not self._finished:
            raise StreamTruncated(self.last_event)


def _is_event_stream(response: httpx.Response) -> bool:
    media_type = response.headers.get("Content-Type", "").partition(";")[0]
    return response.is_success and media_type.strip().lower() == EVENT_STREAM


def _refusal(response: httpx.Response) -> Exception:
    """The error for an answer that is not an event stream, once its body is read."""
    if not response.is_success:
        return UnexpectedStatus(response.status_code, response.content)
    content_type = response.headers.get("Content-Type")
    return StreamError(f"Expected a {EVENT_STREAM} answer, got Content-Type {content_type!r}")


class Stream(_EventStream[T]):
    """The events of one call, read as they arrive: ``with stream(...) as events: for item in events: ...``

    Entering sends the request; exiting closes the connection, however the block ends.
    """

    def __init__(self, client: httpx.Client, request: dict[str, Any], contract: StreamContract[T]) -> None:
        super().__init__(request, contract)
        self._client = client
        self._iterator: Generator[T] | None = None

    def __enter__(self) -> Self:
        response = self._client.send(self._build_request(self._client), stream=True)
        if not _is_event_stream(response):
            try:
                response.read()
            finally:
                response.close()
            raise _refusal(response)
        self._response = response
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

    def _iterate(self) -> Generator[T]:
        feed, item = self._parser.feed, self._item
        try:
            for chunk in self.response.iter_bytes():
                for event in feed(chunk):
                    yield item(event)
                    if self._finished:
                        return
        except _BROKEN_OFF as error:
            raise StreamTruncated(self.last_event) from error
        self._check_end()


class AsyncStream(_EventStream[T]):
    """The events of one call, read as they arrive: ``async with astream(...) as events: async for item in events: ...``

    Entering sends the request; exiting closes the connection, however the block ends, cancellation included.
    """

    def __init__(self, client: httpx.AsyncClient, request: dict[str, Any], contract: StreamContract[T]) -> None:
        super().__init__(request, contract)
        self._client = client
        self._iterator: AsyncGenerator[T] | None = None

    async def __aenter__(self) -> Self:
        response = await self._client.send(self._build_request(self._client), stream=True)
        if not _is_event_stream(response):
            try:
                await response.aread()
            finally:
                await response.aclose()
            raise _refusal(response)
        self._response = response
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

    async def _aiterate(self) -> AsyncGenerator[T]:
        feed, item = self._parser.feed, self._item
        try:
            async for chunk in self.response.aiter_bytes():
                for event in feed(chunk):
                    yield item(event)
                    if self._finished:
                        return
        except _BROKEN_OFF as error:
            raise StreamTruncated(self.last_event) from error
        self._check_end()
