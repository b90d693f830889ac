from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.backups import Backups
from ...types import Response


def _get_kwargs() -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["Accept"] = "application/json, text/plain"

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/backups",
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Backups | str | None:
    if response.status_code == 200:
        response_200 = Backups.from_dict(response.json())

        return response_200

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Backups | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[Backups | str]:
    """/backups [GET]

     Lists every backup that is completely stored in the cloud, newest first. A backup that
    is still being written, or whose writing was interrupted, is never listed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Backups | str]
    """

    kwargs = _get_kwargs()

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
) -> Backups | str | None:
    """/backups [GET]

     Lists every backup that is completely stored in the cloud, newest first. A backup that
    is still being written, or whose writing was interrupted, is never listed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Backups | str
    """

    return sync_detailed(
        client=client,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[Backups | str]:
    """/backups [GET]

     Lists every backup that is completely stored in the cloud, newest first. A backup that
    is still being written, or whose writing was interrupted, is never listed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Backups | str]
    """

    kwargs = _get_kwargs()

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
) -> Backups | str | None:
    """/backups [GET]

     Lists every backup that is completely stored in the cloud, newest first. A backup that
    is still being written, or whose writing was interrupted, is never listed.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Backups | str
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed
