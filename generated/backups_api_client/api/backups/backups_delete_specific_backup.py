"""/backups/{backup}/delete [POST]

Deletes one backup from the cloud. The backup stops being listed before its data is
removed, so an interrupted delete never leaves a broken backup listed. The optional
body is accepted for compatibility with existing clients; the path alone names the
backup.
"""

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ..._http import CallOptions, asend, send
from ...client import AuthenticatedClient, Client
from ...models.backup import Backup
from ...types import UNSET, Response, Unset


def _get_kwargs(
    backup: str,
    *,
    body: Backup | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    headers["Accept"] = "text/plain"

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/backups/{backup}/delete".format(
            backup=quote(str(backup), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, response: httpx.Response) -> None:
    """The answer of a documented success; raises the error of any other status."""
    if response.status_code == 204:
        return None
    raise errors.status_error(response)


def _build_response(*, response: httpx.Response) -> Response[None]:
    parsed = None
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
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> Response[None]:
    """/backups/{backup}/delete [POST]

    Deletes one backup from the cloud. The module's docstring has the whole description.

    Args:
        backup (str):  Example: 1.0.0_1795854206123456.
        body (Backup | Unset): A backup stored in the cloud: the metadata needed to find and
            restore it.
             Example: {'id': '1.0.0_1795854206123456', 'version': '1.0.0', 'timestamp':
            '1795854206123456', 'bytes': 1048576, 'created': {'value':
            '2026-11-28T08:23:26.123456+00:00', 'readable': 'Today - November 28th, 8:23 a.m.'},
            'device_name': 'workstation', 'platform': 'LINUX'}.
        timeout: This call's timeout, instead of the client's.
        max_retries: How many times this call may be retried, instead of the client's `max_retries` (it is not retried: it is not safe to repeat).
        extra_headers: Headers sent with this call, over the client's.

    Raises:
        errors.APIConnectionError: If no answer came; errors.APITimeoutError if it did not come in time.

    Returns:
        Response[None]: with `parsed` set for a documented success, None otherwise.
    """

    response = send(
        client,
        _get_kwargs(
            backup=backup,
            body=body,
        ),
        CallOptions(timeout, max_retries, extra_headers),
    )
    return _build_response(response=response)


def sync(
    backup: str,
    *,
    client: AuthenticatedClient | Client,
    body: Backup | Unset = UNSET,
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> None:
    """/backups/{backup}/delete [POST]

    Deletes one backup from the cloud. The module's docstring has the whole description.

    Args:
        backup (str):  Example: 1.0.0_1795854206123456.
        body (Backup | Unset): A backup stored in the cloud: the metadata needed to find and
            restore it.
             Example: {'id': '1.0.0_1795854206123456', 'version': '1.0.0', 'timestamp':
            '1795854206123456', 'bytes': 1048576, 'created': {'value':
            '2026-11-28T08:23:26.123456+00:00', 'readable': 'Today - November 28th, 8:23 a.m.'},
            'device_name': 'workstation', 'platform': 'LINUX'}.
        timeout: This call's timeout, instead of the client's.
        max_retries: How many times this call may be retried, instead of the client's `max_retries` (it is not retried: it is not safe to repeat).
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
        None
    """

    response = send(
        client,
        _get_kwargs(
            backup=backup,
            body=body,
        ),
        CallOptions(timeout, max_retries, extra_headers),
    )
    _parse_response(response=response)


async def asyncio_detailed(
    backup: str,
    *,
    client: AuthenticatedClient | Client,
    body: Backup | Unset = UNSET,
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> Response[None]:
    """/backups/{backup}/delete [POST]

    Deletes one backup from the cloud. The module's docstring has the whole description.

    Args:
        backup (str):  Example: 1.0.0_1795854206123456.
        body (Backup | Unset): A backup stored in the cloud: the metadata needed to find and
            restore it.
             Example: {'id': '1.0.0_1795854206123456', 'version': '1.0.0', 'timestamp':
            '1795854206123456', 'bytes': 1048576, 'created': {'value':
            '2026-11-28T08:23:26.123456+00:00', 'readable': 'Today - November 28th, 8:23 a.m.'},
            'device_name': 'workstation', 'platform': 'LINUX'}.
        timeout: This call's timeout, instead of the client's.
        max_retries: How many times this call may be retried, instead of the client's `max_retries` (it is not retried: it is not safe to repeat).
        extra_headers: Headers sent with this call, over the client's.

    Raises:
        errors.APIConnectionError: If no answer came; errors.APITimeoutError if it did not come in time.

    Returns:
        Response[None]: with `parsed` set for a documented success, None otherwise.
    """

    response = await asend(
        client,
        _get_kwargs(
            backup=backup,
            body=body,
        ),
        CallOptions(timeout, max_retries, extra_headers),
    )
    return _build_response(response=response)


async def asyncio(
    backup: str,
    *,
    client: AuthenticatedClient | Client,
    body: Backup | Unset = UNSET,
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> None:
    """/backups/{backup}/delete [POST]

    Deletes one backup from the cloud. The module's docstring has the whole description.

    Args:
        backup (str):  Example: 1.0.0_1795854206123456.
        body (Backup | Unset): A backup stored in the cloud: the metadata needed to find and
            restore it.
             Example: {'id': '1.0.0_1795854206123456', 'version': '1.0.0', 'timestamp':
            '1795854206123456', 'bytes': 1048576, 'created': {'value':
            '2026-11-28T08:23:26.123456+00:00', 'readable': 'Today - November 28th, 8:23 a.m.'},
            'device_name': 'workstation', 'platform': 'LINUX'}.
        timeout: This call's timeout, instead of the client's.
        max_retries: How many times this call may be retried, instead of the client's `max_retries` (it is not retried: it is not safe to repeat).
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
        None
    """

    response = await asend(
        client,
        _get_kwargs(
            backup=backup,
            body=body,
        ),
        CallOptions(timeout, max_retries, extra_headers),
    )
    _parse_response(response=response)
