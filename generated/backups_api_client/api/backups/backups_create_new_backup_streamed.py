import json
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.backup_streamed_progress import BackupStreamedProgress
from ...models.seeded_backup import SeededBackup
from ...streaming import AsyncStream, Stream, StreamContract
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: SeededBackup | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

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


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BackupStreamedProgress | str | None:
    if response.status_code == 200:
        response_200 = BackupStreamedProgress.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = response.text
        return response_400

    if response.status_code == 500:
        response_500 = response.text
        return response_500

    if response.status_code == 505:
        response_505 = response.text
        return response_505

    if response.status_code == 511:
        response_511 = response.text
        return response_511

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[BackupStreamedProgress | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: SeededBackup | Unset = UNSET,
) -> Response[BackupStreamedProgress | str]:
    """/backups/create/streamed [POST]

     The streamed version of /backups/create: takes a backup of the local database and
    reports its progress while it runs.

    With `Accept: text/event-stream` the progress arrives as Server-Sent Events: each
    event's `data` is one BackupStreamedProgress; the event types are `progress`,
    `completed` and `failed`, and every stream ends with exactly one `completed` or
    `failed` event. A `: keep-alive` comment is sent whenever nothing else was sent for a
    few seconds. With any other `Accept`, the answer is one BackupStreamedProgress holding
    the final state. Validation, authentication and version errors are answered before the
    stream starts, with ordinary status codes.

    If the client disconnects while the stream runs, the backup still completes and is
    listed.

    As with /backups/create, a request that arrives while the server runs as many backups as
    it allows joins the backup waiting for its turn, if there is one: the requests that
    arrive while it waits share that backup and get the same events. Its snapshot is taken
    after each of them arrived.

    Args:
        body (SeededBackup | Unset): What to back up. Every field is optional; `{}` backs up the
            local database. Example: {}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BackupStreamedProgress | str]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: SeededBackup | Unset = UNSET,
) -> BackupStreamedProgress | str | None:
    """/backups/create/streamed [POST]

     The streamed version of /backups/create: takes a backup of the local database and
    reports its progress while it runs.

    With `Accept: text/event-stream` the progress arrives as Server-Sent Events: each
    event's `data` is one BackupStreamedProgress; the event types are `progress`,
    `completed` and `failed`, and every stream ends with exactly one `completed` or
    `failed` event. A `: keep-alive` comment is sent whenever nothing else was sent for a
    few seconds. With any other `Accept`, the answer is one BackupStreamedProgress holding
    the final state. Validation, authentication and version errors are answered before the
    stream starts, with ordinary status codes.

    If the client disconnects while the stream runs, the backup still completes and is
    listed.

    As with /backups/create, a request that arrives while the server runs as many backups as
    it allows joins the backup waiting for its turn, if there is one: the requests that
    arrive while it waits share that backup and get the same events. Its snapshot is taken
    after each of them arrived.

    Args:
        body (SeededBackup | Unset): What to back up. Every field is optional; `{}` backs up the
            local database. Example: {}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BackupStreamedProgress | str
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: SeededBackup | Unset = UNSET,
) -> Response[BackupStreamedProgress | str]:
    """/backups/create/streamed [POST]

     The streamed version of /backups/create: takes a backup of the local database and
    reports its progress while it runs.

    With `Accept: text/event-stream` the progress arrives as Server-Sent Events: each
    event's `data` is one BackupStreamedProgress; the event types are `progress`,
    `completed` and `failed`, and every stream ends with exactly one `completed` or
    `failed` event. A `: keep-alive` comment is sent whenever nothing else was sent for a
    few seconds. With any other `Accept`, the answer is one BackupStreamedProgress holding
    the final state. Validation, authentication and version errors are answered before the
    stream starts, with ordinary status codes.

    If the client disconnects while the stream runs, the backup still completes and is
    listed.

    As with /backups/create, a request that arrives while the server runs as many backups as
    it allows joins the backup waiting for its turn, if there is one: the requests that
    arrive while it waits share that backup and get the same events. Its snapshot is taken
    after each of them arrived.

    Args:
        body (SeededBackup | Unset): What to back up. Every field is optional; `{}` backs up the
            local database. Example: {}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BackupStreamedProgress | str]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: SeededBackup | Unset = UNSET,
) -> BackupStreamedProgress | str | None:
    """/backups/create/streamed [POST]

     The streamed version of /backups/create: takes a backup of the local database and
    reports its progress while it runs.

    With `Accept: text/event-stream` the progress arrives as Server-Sent Events: each
    event's `data` is one BackupStreamedProgress; the event types are `progress`,
    `completed` and `failed`, and every stream ends with exactly one `completed` or
    `failed` event. A `: keep-alive` comment is sent whenever nothing else was sent for a
    few seconds. With any other `Accept`, the answer is one BackupStreamedProgress holding
    the final state. Validation, authentication and version errors are answered before the
    stream starts, with ordinary status codes.

    If the client disconnects while the stream runs, the backup still completes and is
    listed.

    As with /backups/create, a request that arrives while the server runs as many backups as
    it allows joins the backup waiting for its turn, if there is one: the requests that
    arrive while it waits share that backup and get the same events. Its snapshot is taken
    after each of them arrived.

    Args:
        body (SeededBackup | Unset): What to back up. Every field is optional; `{}` backs up the
            local database. Example: {}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BackupStreamedProgress | str
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed


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
) -> Stream[BackupStreamedProgress]:
    """/backups/create/streamed [POST]: the event stream

    Sends the request with `Accept: text/event-stream` when the `with` block is entered; iterating gives
    the BackupStreamedProgress in each event's data, as it arrives. `.last_event` is the latest event
    (its type, id and data) and `.response` the httpx response. Leaving the block closes the connection.
    The client's read timeout is the longest wait allowed between two events.

    Args:
        body (SeededBackup | Unset): What to back up. Every field is optional; `{}` backs up the
            local database. Example: {}.

    Raises:
        errors.UnexpectedStatus: On entering, if the server answers with a status other than 2xx.
        errors.StreamFailed: If the server ends the stream with a failure event.
        errors.StreamTruncated: If the stream ends before its terminal event or the connection breaks off.
        httpx.TimeoutException: If the server sends nothing for longer than Client.timeout.

    Returns:
        Stream[BackupStreamedProgress]
    """

    return Stream(
        client.get_httpx_client(),
        _get_kwargs(
            body=body,
        ),
        _EVENT_STREAM,
    )


def astream(
    *,
    client: AuthenticatedClient | Client,
    body: SeededBackup | Unset = UNSET,
) -> AsyncStream[BackupStreamedProgress]:
    """/backups/create/streamed [POST]: the event stream

    Sends the request with `Accept: text/event-stream` when the `async with` block is entered; iterating
    gives the BackupStreamedProgress in each event's data, as it arrives. `.last_event` is the latest
    event (its type, id and data) and `.response` the httpx response. Leaving the block closes the
    connection. The client's read timeout is the longest wait allowed between two events.

    Args:
        body (SeededBackup | Unset): What to back up. Every field is optional; `{}` backs up the
            local database. Example: {}.

    Raises:
        errors.UnexpectedStatus: On entering, if the server answers with a status other than 2xx.
        errors.StreamFailed: If the server ends the stream with a failure event.
        errors.StreamTruncated: If the stream ends before its terminal event or the connection breaks off.
        httpx.TimeoutException: If the server sends nothing for longer than Client.timeout.

    Returns:
        AsyncStream[BackupStreamedProgress]
    """

    return AsyncStream(
        client.get_async_httpx_client(),
        _get_kwargs(
            body=body,
        ),
        _EVENT_STREAM,
    )
