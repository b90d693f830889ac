"""/metrics [GET]

The server's metrics, in Prometheus' text format. For a monitoring system to scrape: jobs
started, completed and failed by kind, their durations, the bytes backups read from the
database and added to the store, the time of the last successful backup, the jobs waiting
and running, the backups listed, failures of the store, and the next scheduled backup.
Needs the API key, unless the server is told otherwise (`--metrics-access open`, which its
served document then says).
"""

from collections.abc import Mapping
from contextlib import suppress
from typing import Any

import httpx

from ... import errors
from ..._http import CallOptions, asend, send
from ...client import AuthenticatedClient, Client
from ...types import UNSET, Response, Unset


def _get_kwargs() -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["Accept"] = "text/plain"

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/metrics",
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, response: httpx.Response) -> str:
    """The answer of a documented success; raises the error of any other status."""
    if response.status_code == 200:
        response_200 = response.text
        return response_200

    raise errors.status_error(response)


def _build_response(*, response: httpx.Response) -> Response[str]:
    parsed: str | None = None
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
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> Response[str]:
    """/metrics [GET]

    The server's metrics, in Prometheus' text format. The module's docstring has the whole description.

    Args:
        timeout: This call's timeout, instead of the client's.
        max_retries: How many times this call may be retried, instead of the client's `max_retries`.
        extra_headers: Headers sent with this call, over the client's.

    Raises:
        errors.APIConnectionError: If no answer came; errors.APITimeoutError if it did not come in time.

    Returns:
        Response[str]: with `parsed` set for a documented success, None otherwise.
    """

    response = send(
        client,
        _get_kwargs(),
        CallOptions(timeout, max_retries, extra_headers),
    )
    return _build_response(response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> str:
    """/metrics [GET]

    The server's metrics, in Prometheus' text format. The module's docstring has the whole description.

    Args:
        timeout: This call's timeout, instead of the client's.
        max_retries: How many times this call may be retried, instead of the client's `max_retries`.
        extra_headers: Headers sent with this call, over the client's.

    Raises:
        errors.ServiceUnavailableError: On a 503 answer.
        errors.AuthenticationRequiredError: On a 511 answer.
        errors.APIStatusError: On any other status that is not a documented success.
        errors.APIConnectionError: If no answer came; errors.APITimeoutError if it did not come in time.

    Returns:
        str
    """

    response = send(
        client,
        _get_kwargs(),
        CallOptions(timeout, max_retries, extra_headers),
    )
    return _parse_response(response=response)


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> Response[str]:
    """/metrics [GET]

    The server's metrics, in Prometheus' text format. The module's docstring has the whole description.

    Args:
        timeout: This call's timeout, instead of the client's.
        max_retries: How many times this call may be retried, instead of the client's `max_retries`.
        extra_headers: Headers sent with this call, over the client's.

    Raises:
        errors.APIConnectionError: If no answer came; errors.APITimeoutError if it did not come in time.

    Returns:
        Response[str]: with `parsed` set for a documented success, None otherwise.
    """

    response = await asend(
        client,
        _get_kwargs(),
        CallOptions(timeout, max_retries, extra_headers),
    )
    return _build_response(response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    timeout: httpx.Timeout | float | None | Unset = UNSET,
    max_retries: int | Unset = UNSET,
    extra_headers: Mapping[str, str] | None = None,
) -> str:
    """/metrics [GET]

    The server's metrics, in Prometheus' text format. The module's docstring has the whole description.

    Args:
        timeout: This call's timeout, instead of the client's.
        max_retries: How many times this call may be retried, instead of the client's `max_retries`.
        extra_headers: Headers sent with this call, over the client's.

    Raises:
        errors.ServiceUnavailableError: On a 503 answer.
        errors.AuthenticationRequiredError: On a 511 answer.
        errors.APIStatusError: On any other status that is not a documented success.
        errors.APIConnectionError: If no answer came; errors.APITimeoutError if it did not come in time.

    Returns:
        str
    """

    response = await asend(
        client,
        _get_kwargs(),
        CallOptions(timeout, max_retries, extra_headers),
    )
    return _parse_response(response=response)
