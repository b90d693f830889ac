from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
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


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Any | str | None:
    if response.status_code == 204:
        response_204 = cast(Any, None)
        return response_204

    if response.status_code == 400:
        response_400 = response.text
        return response_400

    if response.status_code == 404:
        response_404 = response.text
        return response_404

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Any | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    backup: str,
    *,
    client: AuthenticatedClient | Client,
    body: Backup | Unset = UNSET,
) -> Response[Any | str]:
    """/backups/{backup}/delete [POST]

     Deletes one backup from the cloud. The backup stops being listed before its data is
    removed, so an interrupted delete never leaves a broken backup listed. The optional
    body is accepted for compatibility with existing clients; the path alone names the
    backup.

    Args:
        backup (str):  Example: 1.0.0_1795854206123456.
        body (Backup | Unset): A backup stored in the cloud: the metadata needed to find and
            restore it.
             Example: {'id': '1.0.0_1795854206123456', 'version': '1.0.0', 'timestamp':
            '1795854206123456', 'bytes': 1048576, 'created': {'value':
            '2026-11-28T08:23:26.123456+00:00', 'readable': 'Today - November 28th, 8:23 a.m.'},
            'device_name': 'workstation', 'platform': 'LINUX'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | str]
    """

    kwargs = _get_kwargs(
        backup=backup,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    backup: str,
    *,
    client: AuthenticatedClient | Client,
    body: Backup | Unset = UNSET,
) -> Any | str | None:
    """/backups/{backup}/delete [POST]

     Deletes one backup from the cloud. The backup stops being listed before its data is
    removed, so an interrupted delete never leaves a broken backup listed. The optional
    body is accepted for compatibility with existing clients; the path alone names the
    backup.

    Args:
        backup (str):  Example: 1.0.0_1795854206123456.
        body (Backup | Unset): A backup stored in the cloud: the metadata needed to find and
            restore it.
             Example: {'id': '1.0.0_1795854206123456', 'version': '1.0.0', 'timestamp':
            '1795854206123456', 'bytes': 1048576, 'created': {'value':
            '2026-11-28T08:23:26.123456+00:00', 'readable': 'Today - November 28th, 8:23 a.m.'},
            'device_name': 'workstation', 'platform': 'LINUX'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | str
    """

    return sync_detailed(
        backup=backup,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    backup: str,
    *,
    client: AuthenticatedClient | Client,
    body: Backup | Unset = UNSET,
) -> Response[Any | str]:
    """/backups/{backup}/delete [POST]

     Deletes one backup from the cloud. The backup stops being listed before its data is
    removed, so an interrupted delete never leaves a broken backup listed. The optional
    body is accepted for compatibility with existing clients; the path alone names the
    backup.

    Args:
        backup (str):  Example: 1.0.0_1795854206123456.
        body (Backup | Unset): A backup stored in the cloud: the metadata needed to find and
            restore it.
             Example: {'id': '1.0.0_1795854206123456', 'version': '1.0.0', 'timestamp':
            '1795854206123456', 'bytes': 1048576, 'created': {'value':
            '2026-11-28T08:23:26.123456+00:00', 'readable': 'Today - November 28th, 8:23 a.m.'},
            'device_name': 'workstation', 'platform': 'LINUX'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | str]
    """

    kwargs = _get_kwargs(
        backup=backup,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    backup: str,
    *,
    client: AuthenticatedClient | Client,
    body: Backup | Unset = UNSET,
) -> Any | str | None:
    """/backups/{backup}/delete [POST]

     Deletes one backup from the cloud. The backup stops being listed before its data is
    removed, so an interrupted delete never leaves a broken backup listed. The optional
    body is accepted for compatibility with existing clients; the path alone names the
    backup.

    Args:
        backup (str):  Example: 1.0.0_1795854206123456.
        body (Backup | Unset): A backup stored in the cloud: the metadata needed to find and
            restore it.
             Example: {'id': '1.0.0_1795854206123456', 'version': '1.0.0', 'timestamp':
            '1795854206123456', 'bytes': 1048576, 'created': {'value':
            '2026-11-28T08:23:26.123456+00:00', 'readable': 'Today - November 28th, 8:23 a.m.'},
            'device_name': 'workstation', 'platform': 'LINUX'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | str
    """

    return (
        await asyncio_detailed(
            backup=backup,
            client=client,
            body=body,
        )
    ).parsed
