"""/backup/{backup}/creation/status [GET]

The state of the creation of a backup. It is INITIALIZED while it waits for its turn,
IN-PROGRESS with its percentage while it runs, then COMPLETED, FAILED or CANCELED. A
finished creation is known for at least an hour; a backup that is listed is COMPLETED
whenever it was made. While a backup is being created, `bytes` is 0 until its snapshot
is taken.
"""

from collections.abc import Mapping
from contextlib import suppress
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ..._http import CallOptions, asend, send
from ...client import AuthenticatedClient, Client
from ...models.backup_status import BackupStatus
from ...types import UNSET, Response, Unset


def _get_kwargs(
    backup: str,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["Accept"] = "application/json, text/plain"

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/backup/{backup}/creation/status".format(
            backup=quote(str(backup), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, response: httpx.Response) -> BackupStatus:
    """The answer of a documented success; raises the error of any other status."""
    if response.status_code == 200:
        response_200 = BackupStatus.from_dict(response.json())

        return response_200

    raise errors.status_error(response)


def _build_response(*, response: httpx.Response) -> Response[BackupStatus]:
    parsed: BackupStatus | None = None
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
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> Response[BackupStatus]:
    """/backup/{backup}/creation/status [GET]

    The state of the creation of a backup. The module's docstring has the whole description.

    Args:
        backup (str):  Example: 1.0.0_1795854206123456.
        timeout: This call's timeout, instead of the client's.
        max_retries: How many times this call may be retried, instead of the client's `max_retries`.
        extra_headers: Headers sent with this call, over the client's.

    Raises:
        errors.APIConnectionError: If no answer came; errors.APITimeoutError if it did not come in time.

    Returns:
        Response[BackupStatus]: with `parsed` set for a documented success, None otherwise.
    """

    response = send(
        client,
        _get_kwargs(
            backup=backup,
        ),
        CallOptions(timeout, max_retries, extra_headers),
    )
    return _build_response(response=response)


def sync(
    backup: str,
    *,
    client: AuthenticatedClient | Client,
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> BackupStatus:
    """/backup/{backup}/creation/status [GET]

    The state of the creation of a backup. The module's docstring has the whole description.

    Args:
        backup (str):  Example: 1.0.0_1795854206123456.
        timeout: This call's timeout, instead of the client's.
        max_retries: How many times this call may be retried, instead of the client's `max_retries`.
        extra_headers: Headers sent with this call, over the client's.

    Raises:
        errors.BadRequestError: On a 400 answer.
        errors.NotFoundError: On a 404 answer.
        errors.InternalServerError: On a 500 answer.
        errors.ServiceUnavailableError: On a 503 answer.
        errors.HttpVersionNotSupportedError: On a 505 answer.
        errors.AuthenticationRequiredError: On a 511 answer.
        errors.APIStatusError: On any other status that is not a documented success.
        errors.APIConnectionError: If no answer came; errors.APITimeoutError if it did not come in time.

    Returns:
        BackupStatus
    """

    response = send(
        client,
        _get_kwargs(
            backup=backup,
        ),
        CallOptions(timeout, max_retries, extra_headers),
    )
    return _parse_response(response=response)


async def asyncio_detailed(
    backup: str,
    *,
    client: AuthenticatedClient | Client,
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> Response[BackupStatus]:
    """/backup/{backup}/creation/status [GET]

    The state of the creation of a backup. The module's docstring has the whole description.

    Args:
        backup (str):  Example: 1.0.0_1795854206123456.
        timeout: This call's timeout, instead of the client's.
        max_retries: How many times this call may be retried, instead of the client's `max_retries`.
        extra_headers: Headers sent with this call, over the client's.

    Raises:
        errors.APIConnectionError: If no answer came; errors.APITimeoutError if it did not come in time.

    Returns:
        Response[BackupStatus]: with `parsed` set for a documented success, None otherwise.
    """

    response = await asend(
        client,
        _get_kwargs(
            backup=backup,
        ),
        CallOptions(timeout, max_retries, extra_headers),
    )
    return _build_response(response=response)


async def asyncio(
    backup: str,
    *,
    client: AuthenticatedClient | Client,
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> BackupStatus:
    """/backup/{backup}/creation/status [GET]

    The state of the creation of a backup. The module's docstring has the whole description.

    Args:
        backup (str):  Example: 1.0.0_1795854206123456.
        timeout: This call's timeout, instead of the client's.
        max_retries: How many times this call may be retried, instead of the client's `max_retries`.
        extra_headers: Headers sent with this call, over the client's.

    Raises:
        errors.BadRequestError: On a 400 answer.
        errors.NotFoundError: On a 404 answer.
        errors.InternalServerError: On a 500 answer.
        errors.ServiceUnavailableError: On a 503 answer.
        errors.HttpVersionNotSupportedError: On a 505 answer.
        errors.AuthenticationRequiredError: On a 511 answer.
        errors.APIStatusError: On any other status that is not a documented success.
        errors.APIConnectionError: If no answer came; errors.APITimeoutError if it did not come in time.

    Returns:
        BackupStatus
    """

    response = await asend(
        client,
        _get_kwargs(
            backup=backup,
        ),
        CallOptions(timeout, max_retries, extra_headers),
    )
    return _parse_response(response=response)
