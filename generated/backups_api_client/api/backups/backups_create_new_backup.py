"""/backups/create [POST]

Takes a consistent snapshot of the local database and stores it in the cloud, then
answers with the finished backup. The backup is listed only once it is completely stored.

Creations and restorations of the database run one at a time, in the order they
arrived; a request that finds the queue full is a 503. A backup's id and timestamp are
given when its request arrives, and the `Content-Location` of the answer names it
(`/backup/{id}`); its snapshot is taken when its turn comes.

With an `Idempotency-Key`, repeating the request is safe: the repeat answers with the
backup the first request made (waiting for it if it is still running), never a second one.
"""

from collections.abc import Mapping
from contextlib import suppress
from typing import Any

import httpx

from ... import errors
from ..._http import CallOptions, asend, new_idempotency_key, send
from ...client import AuthenticatedClient, Client
from ...models.backup import Backup
from ...models.seeded_backup import SeededBackup
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: SeededBackup | Unset = UNSET,
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
        "url": "/backups/create",
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
    *,
    client: AuthenticatedClient | Client,
    body: SeededBackup | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> Response[Backup]:
    """/backups/create [POST]

    Takes a consistent snapshot of the local database and stores it in the cloud, then answers with the
    finished backup. The module's docstring has the whole description.

    Args:
        body (SeededBackup | Unset): What to back up. Every field is optional; `{}` backs up the
            local database. Example: {}.
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
            body=body,
            idempotency_key=idempotency_key,
        ),
        CallOptions(timeout, max_retries, extra_headers),
    )
    return _build_response(response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: SeededBackup | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> Backup:
    """/backups/create [POST]

    Takes a consistent snapshot of the local database and stores it in the cloud, then answers with the
    finished backup. The module's docstring has the whole description.

    Args:
        body (SeededBackup | Unset): What to back up. Every field is optional; `{}` backs up the
            local database. Example: {}.
        idempotency_key: Sent as `Idempotency-Key`; a fresh one for each call unless given, the same for
            its retries.
        timeout: This call's timeout, instead of the client's.
        max_retries: How many times this call may be retried, instead of the client's `max_retries`.
        extra_headers: Headers sent with this call, over the client's.

    Raises:
        errors.BadRequestError: On a 400 answer.
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
            body=body,
            idempotency_key=idempotency_key,
        ),
        CallOptions(timeout, max_retries, extra_headers),
    )
    return _parse_response(response=response)


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: SeededBackup | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> Response[Backup]:
    """/backups/create [POST]

    Takes a consistent snapshot of the local database and stores it in the cloud, then answers with the
    finished backup. The module's docstring has the whole description.

    Args:
        body (SeededBackup | Unset): What to back up. Every field is optional; `{}` backs up the
            local database. Example: {}.
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
            body=body,
            idempotency_key=idempotency_key,
        ),
        CallOptions(timeout, max_retries, extra_headers),
    )
    return _build_response(response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: SeededBackup | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> Backup:
    """/backups/create [POST]

    Takes a consistent snapshot of the local database and stores it in the cloud, then answers with the
    finished backup. The module's docstring has the whole description.

    Args:
        body (SeededBackup | Unset): What to back up. Every field is optional; `{}` backs up the
            local database. Example: {}.
        idempotency_key: Sent as `Idempotency-Key`; a fresh one for each call unless given, the same for
            its retries.
        timeout: This call's timeout, instead of the client's.
        max_retries: How many times this call may be retried, instead of the client's `max_retries`.
        extra_headers: Headers sent with this call, over the client's.

    Raises:
        errors.BadRequestError: On a 400 answer.
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
            body=body,
            idempotency_key=idempotency_key,
        ),
        CallOptions(timeout, max_retries, extra_headers),
    )
    return _parse_response(response=response)
