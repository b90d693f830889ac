"""/backups/create/streamed [POST]

Takes a backup of the local database, reporting its progress while it runs. It is the
streamed version of /backups/create.

With `Accept: text/event-stream` the progress arrives as Server-Sent Events: each
event's `data` is one BackupStreamedProgress; the event types are `progress`,
`completed` and `failed`, and every stream ends with exactly one `completed` or
`failed` event. A `: keep-alive` comment is sent whenever nothing else was sent for a
few seconds. With any other `Accept`, the answer is one BackupStreamedProgress holding
the final state. Validation, authentication and version errors are answered before the
stream starts, with ordinary status codes.

If the client disconnects while the stream runs, the backup still completes and is
listed.

As with /backups/create, creations and restorations run one at a time, in the order
they arrived. The `Content-Location` header names the backup (`/backup/{id}`) from the
first moment, so a client can ask for the status of its creation, or cancel it, while
the stream runs; a cancelled creation ends with a `failed` event whose status is
CANCELED.

With an `Idempotency-Key`, repeating the request is safe: the repeat follows the job the
first request started, never a second backup. The events' ids are the job's sequence
numbers, and the stream starts with a `retry:` field (the milliseconds a client should
wait before reconnecting). A client whose connection broke sends the request again with
the same key and `Last-Event-ID`: it gets the events after that id, then the live ones, so
it sees one sequence with no gap and no duplicate. Every event is kept while the job runs
and for a minute after it ends; after that, a job's stream is its terminal event alone.
"""

import json
from collections.abc import Mapping
from contextlib import suppress
from typing import Any

import httpx

from ... import errors
from ..._http import CallOptions, asend, new_idempotency_key, send
from ...client import AuthenticatedClient, Client
from ...models.backup_streamed_progress import BackupStreamedProgress
from ...models.seeded_backup import SeededBackup
from ...streaming import AsyncStream, Stream, StreamContract
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: SeededBackup | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
    last_event_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    if not isinstance(last_event_id, Unset):
        headers["Last-Event-ID"] = last_event_id

    if isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = new_idempotency_key()
    headers["Accept"] = "application/json, text/plain"

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/backups/create/streamed",
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, response: httpx.Response) -> BackupStreamedProgress:
    """The answer of a documented success; raises the error of any other status."""
    if response.status_code == 200:
        response_200 = BackupStreamedProgress.from_dict(response.json())

        return response_200

    raise errors.status_error(response)


def _build_response(*, response: httpx.Response) -> Response[BackupStreamedProgress]:
    parsed: BackupStreamedProgress | None = None
    with suppress(errors.APIStatusError):
        parsed = _parse_response(response=response)
    return Response(
        status_code=response.status_code,
        content=response.content,
        headers=response.headers,
        parsed=parsed,
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: SeededBackup | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
    last_event_id: str | Unset = UNSET,
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> Response[BackupStreamedProgress]:
    """/backups/create/streamed [POST]

    Takes a backup of the local database, reporting its progress while it runs. The module's docstring
    has the whole description.

    Args:
        last_event_id (str | Unset):  Example: 7.
        body (SeededBackup | Unset): What to back up. Every field is optional; `{}` backs up the
            local database. Example: {}.
        idempotency_key: Sent as `Idempotency-Key`; a fresh one for each call unless given, the same for
            its retries and reconnections.
        timeout: This call's timeout, instead of the client's.
        max_retries: How many times this call may be retried, instead of the client's `max_retries`.
        extra_headers: Headers sent with this call, over the client's.

    Raises:
        errors.APIConnectionError: If no answer came; errors.APITimeoutError if it did not come in time.

    Returns:
        Response[BackupStreamedProgress]: with `parsed` set for a documented success, None otherwise.
    """

    response = send(
        client,
        _get_kwargs(
            body=body,
            idempotency_key=idempotency_key,
            last_event_id=last_event_id,
        ),
        CallOptions(timeout, max_retries, extra_headers),
    )
    return _build_response(response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: SeededBackup | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
    last_event_id: str | Unset = UNSET,
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> BackupStreamedProgress:
    """/backups/create/streamed [POST]

    Takes a backup of the local database, reporting its progress while it runs. The module's docstring
    has the whole description.

    Args:
        last_event_id (str | Unset):  Example: 7.
        body (SeededBackup | Unset): What to back up. Every field is optional; `{}` backs up the
            local database. Example: {}.
        idempotency_key: Sent as `Idempotency-Key`; a fresh one for each call unless given, the same for
            its retries and reconnections.
        timeout: This call's timeout, instead of the client's.
        max_retries: How many times this call may be retried, instead of the client's `max_retries`.
        extra_headers: Headers sent with this call, over the client's.

    Raises:
        errors.BadRequestError: On a 400 answer.
        errors.StreamGoneError: On a 410 answer.
        errors.IdempotencyKeyReusedError: On a 422 answer.
        errors.InternalServerError: On a 500 answer.
        errors.ServiceUnavailableError: On a 503 answer.
        errors.HttpVersionNotSupportedError: On a 505 answer.
        errors.AuthenticationRequiredError: On a 511 answer.
        errors.APIStatusError: On any other status that is not a documented success.
        errors.APIConnectionError: If no answer came; errors.APITimeoutError if it did not come in time.

    Returns:
        BackupStreamedProgress
    """

    response = send(
        client,
        _get_kwargs(
            body=body,
            idempotency_key=idempotency_key,
            last_event_id=last_event_id,
        ),
        CallOptions(timeout, max_retries, extra_headers),
    )
    return _parse_response(response=response)


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: SeededBackup | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
    last_event_id: str | Unset = UNSET,
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> Response[BackupStreamedProgress]:
    """/backups/create/streamed [POST]

    Takes a backup of the local database, reporting its progress while it runs. The module's docstring
    has the whole description.

    Args:
        last_event_id (str | Unset):  Example: 7.
        body (SeededBackup | Unset): What to back up. Every field is optional; `{}` backs up the
            local database. Example: {}.
        idempotency_key: Sent as `Idempotency-Key`; a fresh one for each call unless given, the same for
            its retries and reconnections.
        timeout: This call's timeout, instead of the client's.
        max_retries: How many times this call may be retried, instead of the client's `max_retries`.
        extra_headers: Headers sent with this call, over the client's.

    Raises:
        errors.APIConnectionError: If no answer came; errors.APITimeoutError if it did not come in time.

    Returns:
        Response[BackupStreamedProgress]: with `parsed` set for a documented success, None otherwise.
    """

    response = await asend(
        client,
        _get_kwargs(
            body=body,
            idempotency_key=idempotency_key,
            last_event_id=last_event_id,
        ),
        CallOptions(timeout, max_retries, extra_headers),
    )
    return _build_response(response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: SeededBackup | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
    last_event_id: str | Unset = UNSET,
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> BackupStreamedProgress:
    """/backups/create/streamed [POST]

    Takes a backup of the local database, reporting its progress while it runs. The module's docstring
    has the whole description.

    Args:
        last_event_id (str | Unset):  Example: 7.
        body (SeededBackup | Unset): What to back up. Every field is optional; `{}` backs up the
            local database. Example: {}.
        idempotency_key: Sent as `Idempotency-Key`; a fresh one for each call unless given, the same for
            its retries and reconnections.
        timeout: This call's timeout, instead of the client's.
        max_retries: How many times this call may be retried, instead of the client's `max_retries`.
        extra_headers: Headers sent with this call, over the client's.

    Raises:
        errors.BadRequestError: On a 400 answer.
        errors.StreamGoneError: On a 410 answer.
        errors.IdempotencyKeyReusedError: On a 422 answer.
        errors.InternalServerError: On a 500 answer.
        errors.ServiceUnavailableError: On a 503 answer.
        errors.HttpVersionNotSupportedError: On a 505 answer.
        errors.AuthenticationRequiredError: On a 511 answer.
        errors.APIStatusError: On any other status that is not a documented success.
        errors.APIConnectionError: If no answer came; errors.APITimeoutError if it did not come in time.

    Returns:
        BackupStreamedProgress
    """

    response = await asend(
        client,
        _get_kwargs(
            body=body,
            idempotency_key=idempotency_key,
            last_event_id=last_event_id,
        ),
        CallOptions(timeout, max_retries, extra_headers),
    )
    return _parse_response(response=response)


def _decode_event(data: str) -> BackupStreamedProgress:
    return BackupStreamedProgress.from_dict(json.loads(data))


_EVENT_STREAM = StreamContract(
    decode=_decode_event,
    terminal_events={
        "completed": "success",
        "failed": "failure",
    },
    message_field="message",
)


def stream(
    *,
    client: AuthenticatedClient | Client,
    body: SeededBackup | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
    last_event_id: str | Unset = UNSET,
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> Stream[BackupStreamedProgress]:
    """/backups/create/streamed [POST]: the event stream

    Sends the request with `Accept: text/event-stream` when the `with` block is entered; iterating gives
    the BackupStreamedProgress in each event's data, as it arrives. `.last_event` is the latest event
    (its type, id and data), `.response` the httpx response, and `.final()` reads to the end and returns
    the item of the terminal event. Leaving the block closes the connection. The client's read timeout
    is the longest wait allowed between two events. When the connection breaks before the terminal
    event, the stream reconnects by itself with `Last-Event-ID` and goes on after the last event
    received.

    Args:
        last_event_id (str | Unset):  Example: 7.
        body (SeededBackup | Unset): What to back up. Every field is optional; `{}` backs up the
            local database. Example: {}.
        idempotency_key: Sent as `Idempotency-Key`; a fresh one for each call unless given, the same for
            its retries and reconnections.
        timeout: This call's timeout, instead of the client's.
        max_retries: How many times this call may be retried, instead of the client's `max_retries`.
        extra_headers: Headers sent with this call, over the client's.

    Raises:
        errors.BadRequestError: On a 400 answer.
        errors.StreamGoneError: On a 410 answer.
        errors.IdempotencyKeyReusedError: On a 422 answer.
        errors.InternalServerError: On a 500 answer.
        errors.ServiceUnavailableError: On a 503 answer.
        errors.HttpVersionNotSupportedError: On a 505 answer.
        errors.AuthenticationRequiredError: On a 511 answer.
        errors.APIStatusError: On any other status that is not a documented success.
        errors.APIConnectionError: If no answer came; errors.APITimeoutError if it did not come in time.
        errors.StreamFailed: If the server ends the stream with a failure event.
        errors.StreamTruncated: If the stream ends before its terminal event or the connection breaks off, and cannot be resumed.

    Returns:
        Stream[BackupStreamedProgress]
    """

    return Stream(
        client,
        _get_kwargs(
            body=body,
            idempotency_key=idempotency_key,
            last_event_id=last_event_id,
        ),
        CallOptions(timeout, max_retries, extra_headers),
        _EVENT_STREAM,
    )


def astream(
    *,
    client: AuthenticatedClient | Client,
    body: SeededBackup | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
    last_event_id: str | Unset = UNSET,
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> AsyncStream[BackupStreamedProgress]:
    """/backups/create/streamed [POST]: the event stream

    Sends the request with `Accept: text/event-stream` when the `async with` block is entered; iterating
    gives the BackupStreamedProgress in each event's data, as it arrives. `.last_event` is the latest
    event (its type, id and data), `.response` the httpx response, and `.final()` reads to the end and
    returns the item of the terminal event. Leaving the block closes the connection. The client's read
    timeout is the longest wait allowed between two events. When the connection breaks before the
    terminal event, the stream reconnects by itself with `Last-Event-ID` and goes on after the last
    event received.

    Args:
        last_event_id (str | Unset):  Example: 7.
        body (SeededBackup | Unset): What to back up. Every field is optional; `{}` backs up the
            local database. Example: {}.
        idempotency_key: Sent as `Idempotency-Key`; a fresh one for each call unless given, the same for
            its retries and reconnections.
        timeout: This call's timeout, instead of the client's.
        max_retries: How many times this call may be retried, instead of the client's `max_retries`.
        extra_headers: Headers sent with this call, over the client's.

    Raises:
        errors.BadRequestError: On a 400 answer.
        errors.StreamGoneError: On a 410 answer.
        errors.IdempotencyKeyReusedError: On a 422 answer.
        errors.InternalServerError: On a 500 answer.
        errors.ServiceUnavailableError: On a 503 answer.
        errors.HttpVersionNotSupportedError: On a 505 answer.
        errors.AuthenticationRequiredError: On a 511 answer.
        errors.APIStatusError: On any other status that is not a documented success.
        errors.APIConnectionError: If no answer came; errors.APITimeoutError if it did not come in time.
        errors.StreamFailed: If the server ends the stream with a failure event.
        errors.StreamTruncated: If the stream ends before its terminal event or the connection breaks off, and cannot be resumed.

    Returns:
        AsyncStream[BackupStreamedProgress]
    """

    return AsyncStream(
        client,
        _get_kwargs(
            body=body,
            idempotency_key=idempotency_key,
            last_event_id=last_event_id,
        ),
        CallOptions(timeout, max_retries, extra_headers),
        _EVENT_STREAM,
    )
