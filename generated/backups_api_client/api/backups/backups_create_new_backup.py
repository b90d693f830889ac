from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.backup import Backup
from ...models.seeded_backup import SeededBackup
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: SeededBackup | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

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


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Backup | str | None:
    if response.status_code == 200:
        response_200 = Backup.from_dict(response.json())

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Backup | str]:
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
) -> Response[Backup | str]:
    """/backups/create [POST]

     Takes a consistent snapshot of the local database and stores it in the cloud, then
    answers with the finished backup. The backup is listed only once it is completely stored.

    The server runs a limited number of backups at once. A request that arrives while they
    all run joins the backup waiting for its turn, if there is one: the requests that arrive
    while it waits share that backup and get the same answer. Its snapshot is taken after
    each of them arrived.

    Args:
        body (SeededBackup | Unset): What to back up. Every field is optional; `{}` backs up the
            local database. Example: {}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Backup | str]
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
) -> Backup | str | None:
    """/backups/create [POST]

     Takes a consistent snapshot of the local database and stores it in the cloud, then
    answers with the finished backup. The backup is listed only once it is completely stored.

    The server runs a limited number of backups at once. A request that arrives while they
    all run joins the backup waiting for its turn, if there is one: the requests that arrive
    while it waits share that backup and get the same answer. Its snapshot is taken after
    each of them arrived.

    Args:
        body (SeededBackup | Unset): What to back up. Every field is optional; `{}` backs up the
            local database. Example: {}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Backup | str
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: SeededBackup | Unset = UNSET,
) -> Response[Backup | str]:
    """/backups/create [POST]

     Takes a consistent snapshot of the local database and stores it in the cloud, then
    answers with the finished backup. The backup is listed only once it is completely stored.

    The server runs a limited number of backups at once. A request that arrives while they
    all run joins the backup waiting for its turn, if there is one: the requests that arrive
    while it waits share that backup and get the same answer. Its snapshot is taken after
    each of them arrived.

    Args:
        body (SeededBackup | Unset): What to back up. Every field is optional; `{}` backs up the
            local database. Example: {}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Backup | str]
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
) -> Backup | str | None:
    """/backups/create [POST]

     Takes a consistent snapshot of the local database and stores it in the cloud, then
    answers with the finished backup. The backup is listed only once it is completely stored.

    The server runs a limited number of backups at once. A request that arrives while they
    all run joins the backup waiting for its turn, if there is one: the requests that arrive
    while it waits share that backup and get the same answer. Its snapshot is taken after
    each of them arrived.

    Args:
        body (SeededBackup | Unset): What to back up. Every field is optional; `{}` backs up the
            local database. Example: {}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Backup | str
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
