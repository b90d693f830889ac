"""/backup/{backup}/restore [POST]

Restores a backup into the local database, while it is in use, then answers with the
restored backup.

The backup is downloaded and verified (its checksum, its size, and SQLite's
`quick_check`, as when it was taken) before anything is replaced, and a copy of the database as it
is when
the restoration starts is kept beside it (`DATABASE.before-restore`, the last one only).
The backup then replaces the database's content online, with SQLite's backup API, in one
transaction: a connection open on the database sees the old content or the new one, never
a mix, and needs no reopening; the database keeps its journal mode. A backup that fails a
check is refused with a 500, and the database is left as it was.

Creations and restorations of the database run one at a time, in the order they arrived;
the `Content-Location` of the answer names the backup. The optional body is accepted for
compatibility with existing clients; the path alone names the backup. With an
`Idempotency-Key`, repeating the request is safe: the repeat answers with the outcome of
the first one, never a second restoration.
"""

from collections.abc import Mapping
from contextlib import suppress
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ..._http import CallOptions, asend, new_idempotency_key, send
from ...client import AuthenticatedClient, Client
from ...models.backup import Backup
from ...types import UNSET, Response, Unset


def _get_kwargs(
    backup: str,
    *,
    body: Backup | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    if isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = new_idempotency_key()
    headers["Accept"] = "application/json, text/plain"

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/backup/{backup}/restore".format(
            backup=quote(str(backup), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, response: httpx.Response) -> Backup:
    """The answer of a documented success; raises the error of any other status."""
    if response.status_code == 200:
        response_200 = Backup.from_dict(response.json())

        return response_200

    raise errors.status_error(response)


def _build_response(*, response: httpx.Response) -> Response[Backup]:
    parsed: Backup | None = None
    with suppress(errors.APIStatusError):
        parsed = _parse_response(response=response)
    return Response(
        status_code=response.status_code,
        content=response.content,
        headers=response.headers,
        parsed=parsed,
    )


def sync_detailed(
    backup: str,
    *,
    client: AuthenticatedClient | Client,
    body: Backup | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> Response[Backup]:
    """/backup/{backup}/restore [POST]

    Restores a backup into the local database, while it is in use, then answers with the restored
    backup. The module's docstring has the whole description.

    Args:
        backup (str):  Example: 1.0.0_1795854206123456.
        body (Backup | Unset): A backup stored in the cloud: the metadata needed to find and
            restore it.
             Example: {'id': '1.0.0_1795854206123456', 'version': '1.0.0', 'timestamp':
            '1795854206123456', 'bytes': 1048576, 'created': {'value':
            '2026-11-28T08:23:26.123456+00:00', 'readable': 'Today - November 28th, 8:23 a.m.'},
            'device_name': 'workstation', 'platform': 'LINUX'}.
        idempotency_key: Sent as `Idempotency-Key`; a fresh one for each call unless given, the same for
            its retries.
        timeout: This call's timeout, instead of the client's.
        max_retries: How many times this call may be retried, instead of the client's `max_retries`.
        extra_headers: Headers sent with this call, over the client's.

    Raises:
        errors.APIConnectionError: If no answer came; errors.APITimeoutError if it did not come in time.

    Returns:
        Response[Backup]: with `parsed` set for a documented success, None otherwise.
    """

    response = send(
        client,
        _get_kwargs(
            backup=backup,
            body=body,
            idempotency_key=idempotency_key,
        ),
        CallOptions(timeout, max_retries, extra_headers),
    )
    return _build_response(response=response)


def sync(
    backup: str,
    *,
    client: AuthenticatedClient | Client,
    body: Backup | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> Backup:
    """/backup/{backup}/restore [POST]

    Restores a backup into the local database, while it is in use, then answers with the restored
    backup. The module's docstring has the whole description.

    Args:
        backup (str):  Example: 1.0.0_1795854206123456.
        body (Backup | Unset): A backup stored in the cloud: the metadata needed to find and
            restore it.
             Example: {'id': '1.0.0_1795854206123456', 'version': '1.0.0', 'timestamp':
            '1795854206123456', 'bytes': 1048576, 'created': {'value':
            '2026-11-28T08:23:26.123456+00:00', 'readable': 'Today - November 28th, 8:23 a.m.'},
            'device_name': 'workstation', 'platform': 'LINUX'}.
        idempotency_key: Sent as `Idempotency-Key`; a fresh one for each call unless given, the same for
            its retries.
        timeout: This call's timeout, instead of the client's.
        max_retries: How many times this call may be retried, instead of the client's `max_retries`.
        extra_headers: Headers sent with this call, over the client's.

    Raises:
        errors.BadRequestError: On a 400 answer.
        errors.NotFoundError: On a 404 answer.
        errors.IdempotencyKeyReusedError: On a 422 answer.
        errors.InternalServerError: On a 500 answer.
        errors.ServiceUnavailableError: On a 503 answer.
        errors.HttpVersionNotSupportedError: On a 505 answer.
        errors.AuthenticationRequiredError: On a 511 answer.
        errors.APIStatusError: On any other status that is not a documented success.
        errors.APIConnectionError: If no answer came; errors.APITimeoutError if it did not come in time.

    Returns:
        Backup
    """

    response = send(
        client,
        _get_kwargs(
            backup=backup,
            body=body,
            idempotency_key=idempotency_key,
        ),
        CallOptions(timeout, max_retries, extra_headers),
    )
    return _parse_response(response=response)


async def asyncio_detailed(
    backup: str,
    *,
    client: AuthenticatedClient | Client,
    body: Backup | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> Response[Backup]:
    """/backup/{backup}/restore [POST]

    Restores a backup into the local database, while it is in use, then answers with the restored
    backup. The module's docstring has the whole description.

    Args:
        backup (str):  Example: 1.0.0_1795854206123456.
        body (Backup | Unset): A backup stored in the cloud: the metadata needed to find and
            restore it.
             Example: {'id': '1.0.0_1795854206123456', 'version': '1.0.0', 'timestamp':
            '1795854206123456', 'bytes': 1048576, 'created': {'value':
            '2026-11-28T08:23:26.123456+00:00', 'readable': 'Today - November 28th, 8:23 a.m.'},
            'device_name': 'workstation', 'platform': 'LINUX'}.
        idempotency_key: Sent as `Idempotency-Key`; a fresh one for each call unless given, the same for
            its retries.
        timeout: This call's timeout, instead of the client's.
        max_retries: How many times this call may be retried, instead of the client's `max_retries`.
        extra_headers: Headers sent with this call, over the client's.

    Raises:
        errors.APIConnectionError: If no answer came; errors.APITimeoutError if it did not come in time.

    Returns:
        Response[Backup]: with `parsed` set for a documented success, None otherwise.
    """

    response = await asend(
        client,
        _get_kwargs(
            backup=backup,
            body=body,
            idempotency_key=idempotency_key,
        ),
        CallOptions(timeout, max_retries, extra_headers),
    )
    return _build_response(response=response)


async def asyncio(
    backup: str,
    *,
    client: AuthenticatedClient | Client,
    body: Backup | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> Backup:
    """/backup/{backup}/restore [POST]

    Restores a backup into the local database, while it is in use, then answers with the restored
    backup. The module's docstring has the whole description.

    Args:
        backup (str):  Example: 1.0.0_1795854206123456.
        body (Backup | Unset): A backup stored in the cloud: the metadata needed to find and
            restore it.
             Example: {'id': '1.0.0_1795854206123456', 'version': '1.0.0', 'timestamp':
            '1795854206123456', 'bytes': 1048576, 'created': {'value':
            '2026-11-28T08:23:26.123456+00:00', 'readable': 'Today - November 28th, 8:23 a.m.'},
            'device_name': 'workstation', 'platform': 'LINUX'}.
        idempotency_key: Sent as `Idempotency-Key`; a fresh one for each call unless given, the same for
            its retries.
        timeout: This call's timeout, instead of the client's.
        max_retries: How many times this call may be retried, instead of the client's `max_retries`.
        extra_headers: Headers sent with this call, over the client's.

    Raises:
        errors.BadRequestError: On a 400 answer.
        errors.NotFoundError: On a 404 answer.
        errors.IdempotencyKeyReusedError: On a 422 answer.
        errors.InternalServerError: On a 500 answer.
        errors.ServiceUnavailableError: On a 503 answer.
        errors.HttpVersionNotSupportedError: On a 505 answer.
        errors.AuthenticationRequiredError: On a 511 answer.
        errors.APIStatusError: On any other status that is not a documented success.
        errors.APIConnectionError: If no answer came; errors.APITimeoutError if it did not come in time.

    Returns:
        Backup
    """

    response = await asend(
        client,
        _get_kwargs(
            backup=backup,
            body=body,
            idempotency_key=idempotency_key,
        ),
        CallOptions(timeout, max_retries, extra_headers),
    )
    return _parse_response(response=response)
