"""Clients that hold the connection settings and the underlying httpx clients."""

import ssl
import time
from collections.abc import Awaitable, Callable
from typing import Any, Self

import anyio
import httpx
from attrs import define, evolve, field, frozen

from .types import UNSET, Unset

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
"""The default timeout: 5 s to connect, then 60 s for each read, write or pool wait.

For a streamed operation the read timeout is the longest silence allowed between two events."""

DEFAULT_MAX_RETRIES = 2
"""How many times a call that is safe to repeat is retried by default (see ``_http``)."""

DEFAULT_MAX_RECONNECTIONS = 10
"""How many times in all a stream reconnects by default to resume (see ``streaming``)."""


def as_timeout(timeout: httpx.Timeout | float | None) -> httpx.Timeout | None:
    """A timeout as httpx takes it: seconds for every phase, or a ``httpx.Timeout``."""
    return timeout if timeout is None or isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)


@frozen
class Clock:
    """How retries read the time and wait. The defaults are the real ones; a test passes its own to
    ``Client(clock=...)`` to check the waits without waiting.

    Attributes:
        now: Seconds since the epoch, to read a ``Retry-After`` date.
        sleep: Waits, in a sync call.
        asleep: Waits, in an async call, without blocking the event loop.
    """

    now: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    asleep: Callable[[float], Awaitable[None]] = anyio.sleep


USER_AGENT = "backups-api-client/1.0.0"


@define
class Client:
    """A client for the endpoints that need no authentication

    The following are accepted as keyword arguments and will be used to construct httpx Clients internally:

        ``base_url``: The base URL for the API, all requests are made to a relative path to this URL

        ``cookies``: A dictionary of cookies to be sent with every request

        ``headers``: A dictionary of headers to be sent with every request

        ``timeout``: The timeout of each request (``DEFAULT_TIMEOUT`` unless given). API functions
        raise httpx.TimeoutException when it is exceeded. ``None`` disables it.

        ``verify_ssl``: Whether or not to verify the SSL certificate of the API server. This should be True in production,
        but can be set to False for testing purposes.

        ``follow_redirects``: Whether or not to follow redirects. Default value is False.

        ``httpx_args``: A dictionary of additional arguments to be passed to the ``httpx.Client`` and ``httpx.AsyncClient`` constructor.

        ``max_retries``: How many times a call that is safe to repeat is retried after a connection error, a timeout or
        a transient status (``DEFAULT_MAX_RETRIES`` unless given); each call may set its own.

        ``max_reconnections``: How many times in all a stream may reconnect to resume after its connection broke
        (``DEFAULT_MAX_RECONNECTIONS`` unless given); ``max_retries`` bounds those in a row that bring no new event.

        ``clock``: How retries read the time and wait (a ``Clock``): the real ones unless given.


    Attributes:
        max_retries: How many times a call that is safe to repeat is retried.
        max_reconnections: How many times in all a stream may reconnect to resume.
        clock: How retries read the time and wait.
    """

    _base_url: str = field(alias="base_url")
    _cookies: dict[str, str] = field(factory=dict, kw_only=True, alias="cookies")
    _headers: dict[str, str] = field(factory=dict, kw_only=True, alias="headers")
    _timeout: httpx.Timeout | None = field(default=DEFAULT_TIMEOUT, kw_only=True, alias="timeout", converter=as_timeout)
    _verify_ssl: str | bool | ssl.SSLContext = field(default=True, kw_only=True, alias="verify_ssl")
    _follow_redirects: bool = field(default=False, kw_only=True, alias="follow_redirects")
    _httpx_args: dict[str, Any] = field(factory=dict, kw_only=True, alias="httpx_args")
    max_retries: int = field(default=DEFAULT_MAX_RETRIES, kw_only=True)
    max_reconnections: int = field(default=DEFAULT_MAX_RECONNECTIONS, kw_only=True)
    clock: Clock = field(factory=Clock, kw_only=True)
    _client: httpx.Client | None = field(default=None, init=False)
    _async_client: httpx.AsyncClient | None = field(default=None, init=False)

    def with_headers(self, headers: dict[str, str]) -> Self:
        """A new client like this one, with these headers added; this one is unchanged."""
        return evolve(self, headers={**self._headers, **headers})

    def with_cookies(self, cookies: dict[str, str]) -> Self:
        """A new client like this one, with these cookies added; this one is unchanged."""
        return evolve(self, cookies={**self._cookies, **cookies})

    def with_timeout(self, timeout: httpx.Timeout | float | None) -> Self:
        """A new client like this one, with this timeout; this one is unchanged."""
        return evolve(self, timeout=timeout)

    def with_options(
        self,
        *,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        max_reconnections: int | Unset = UNSET,
        headers: dict[str, str] | None = None,
    ) -> Self:
        """A new client like this one, with the options given changed (headers are added); this
        one is unchanged. The new client opens connections of its own."""
        changes: dict[str, Any] = {"headers": {**self._headers, **(headers or {})}}
        if not isinstance(timeout, Unset):
            changes["timeout"] = timeout
        if not isinstance(max_retries, Unset):
            changes["max_retries"] = max_retries
        if not isinstance(max_reconnections, Unset):
            changes["max_reconnections"] = max_reconnections
        return evolve(self, **changes)

    def _httpx_kwargs(self) -> dict[str, Any]:
        return {
            "base_url": self._base_url,
            "cookies": self._cookies,
            "headers": {"User-Agent": USER_AGENT, **self._headers},
            "timeout": self._timeout,
            "verify": self._verify_ssl,
            "follow_redirects": self._follow_redirects,
            **self._httpx_args,
        }

    def set_httpx_client(self, client: httpx.Client) -> Self:
        """Manually set the underlying httpx.Client

        **NOTE**: This will override any other settings on the client, including cookies, headers, and timeout.
        """
        self._client = client
        return self

    def get_httpx_client(self) -> httpx.Client:
        """Get the underlying httpx.Client, constructing a new one if not previously set"""
        if self._client is None:
            self._client = httpx.Client(**self._httpx_kwargs())
        return self._client

    def __enter__(self) -> Self:
        """Enter a context manager for self.client—you cannot enter twice (see httpx docs)"""
        self.get_httpx_client().__enter__()
        return self

    def __exit__(self, *args: Any, **kwargs: Any) -> None:
        """Exit a context manager for internal httpx.Client (see httpx docs)"""
        self.get_httpx_client().__exit__(*args, **kwargs)

    def set_async_httpx_client(self, async_client: httpx.AsyncClient) -> Self:
        """Manually set the underlying httpx.AsyncClient

        **NOTE**: This will override any other settings on the client, including cookies, headers, and timeout.
        """
        self._async_client = async_client
        return self

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        """Get the underlying httpx.AsyncClient, constructing a new one if not previously set"""
        if self._async_client is None:
            self._async_client = httpx.AsyncClient(**self._httpx_kwargs())
        return self._async_client

    async def __aenter__(self) -> Self:
        """Enter a context manager for underlying httpx.AsyncClient—you cannot enter twice (see httpx docs)"""
        await self.get_async_httpx_client().__aenter__()
        return self

    async def __aexit__(self, *args: Any, **kwargs: Any) -> None:
        """Exit a context manager for underlying httpx.AsyncClient (see httpx docs)"""
        await self.get_async_httpx_client().__aexit__(*args, **kwargs)

    def close(self) -> None:
        """Close the connections of the sync httpx client, if it was made."""
        if self._client is not None:
            self._client.close()

    async def aclose(self) -> None:
        """Close the connections of the async httpx client, if it was made."""
        if self._async_client is not None:
            await self._async_client.aclose()


@define
class AuthenticatedClient:
    """A client that sends a credential with every request

    ``AuthenticatedClient(base_url=..., token=KEY)`` sends ``X-Application-ID: KEY``, as the
    API's security scheme declares.

    The following are accepted as keyword arguments and will be used to construct httpx Clients internally:

        ``base_url``: The base URL for the API, all requests are made to a relative path to this URL

        ``cookies``: A dictionary of cookies to be sent with every request

        ``headers``: A dictionary of headers to be sent with every request

        ``timeout``: The timeout of each request (``DEFAULT_TIMEOUT`` unless given). API functions
        raise httpx.TimeoutException when it is exceeded. ``None`` disables it.

        ``verify_ssl``: Whether or not to verify the SSL certificate of the API server. This should be True in production,
        but can be set to False for testing purposes.

        ``follow_redirects``: Whether or not to follow redirects. Default value is False.

        ``httpx_args``: A dictionary of additional arguments to be passed to the ``httpx.Client`` and ``httpx.AsyncClient`` constructor.

        ``max_retries``: How many times a call that is safe to repeat is retried after a connection error, a timeout or
        a transient status (``DEFAULT_MAX_RETRIES`` unless given); each call may set its own.

        ``max_reconnections``: How many times in all a stream may reconnect to resume after its connection broke
        (``DEFAULT_MAX_RECONNECTIONS`` unless given); ``max_retries`` bounds those in a row that bring no new event.

        ``clock``: How retries read the time and wait (a ``Clock``): the real ones unless given.


    Attributes:
        max_retries: How many times a call that is safe to repeat is retried.
        max_reconnections: How many times in all a stream may reconnect to resume.
        clock: How retries read the time and wait.
        token: The credential to send
        prefix: Written before the token in the header, with a space; empty for none
        auth_header_name: The name of the header that carries the credential
    """

    _base_url: str = field(alias="base_url")
    _cookies: dict[str, str] = field(factory=dict, kw_only=True, alias="cookies")
    _headers: dict[str, str] = field(factory=dict, kw_only=True, alias="headers")
    _timeout: httpx.Timeout | None = field(default=DEFAULT_TIMEOUT, kw_only=True, alias="timeout", converter=as_timeout)
    _verify_ssl: str | bool | ssl.SSLContext = field(default=True, kw_only=True, alias="verify_ssl")
    _follow_redirects: bool = field(default=False, kw_only=True, alias="follow_redirects")
    _httpx_args: dict[str, Any] = field(factory=dict, kw_only=True, alias="httpx_args")
    max_retries: int = field(default=DEFAULT_MAX_RETRIES, kw_only=True)
    max_reconnections: int = field(default=DEFAULT_MAX_RECONNECTIONS, kw_only=True)
    clock: Clock = field(factory=Clock, kw_only=True)
    _client: httpx.Client | None = field(default=None, init=False)
    _async_client: httpx.AsyncClient | None = field(default=None, init=False)

    token: str = field(repr=False)
    prefix: str = field(default="", kw_only=True)
    auth_header_name: str = field(default="X-Application-ID", kw_only=True)

    @property
    def _auth_value(self) -> str:
        return f"{self.prefix} {self.token}" if self.prefix else self.token

    def with_headers(self, headers: dict[str, str]) -> Self:
        """A new client like this one, with these headers added; this one is unchanged."""
        return evolve(self, headers={**self._headers, **headers})

    def with_cookies(self, cookies: dict[str, str]) -> Self:
        """A new client like this one, with these cookies added; this one is unchanged."""
        return evolve(self, cookies={**self._cookies, **cookies})

    def with_timeout(self, timeout: httpx.Timeout | float | None) -> Self:
        """A new client like this one, with this timeout; this one is unchanged."""
        return evolve(self, timeout=timeout)

    def with_options(
        self,
        *,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        max_reconnections: int | Unset = UNSET,
        headers: dict[str, str] | None = None,
    ) -> Self:
        """A new client like this one, with the options given changed (headers are added); this
        one is unchanged. The new client opens connections of its own."""
        changes: dict[str, Any] = {"headers": {**self._headers, **(headers or {})}}
        if not isinstance(timeout, Unset):
            changes["timeout"] = timeout
        if not isinstance(max_retries, Unset):
            changes["max_retries"] = max_retries
        if not isinstance(max_reconnections, Unset):
            changes["max_reconnections"] = max_reconnections
        return evolve(self, **changes)

    def _httpx_kwargs(self) -> dict[str, Any]:
        return {
            "base_url": self._base_url,
            "cookies": self._cookies,
            "headers": {"User-Agent": USER_AGENT, **{**self._headers, self.auth_header_name: self._auth_value}},
            "timeout": self._timeout,
            "verify": self._verify_ssl,
            "follow_redirects": self._follow_redirects,
            **self._httpx_args,
        }

    def set_httpx_client(self, client: httpx.Client) -> Self:
        """Manually set the underlying httpx.Client

        **NOTE**: This will override any other settings on the client, including cookies, headers, and timeout.
        """
        self._client = client
        return self

    def get_httpx_client(self) -> httpx.Client:
        """Get the underlying httpx.Client, constructing a new one if not previously set"""
        if self._client is None:
            self._client = httpx.Client(**self._httpx_kwargs())
        return self._client

    def __enter__(self) -> Self:
        """Enter a context manager for self.client—you cannot enter twice (see httpx docs)"""
        self.get_httpx_client().__enter__()
        return self

    def __exit__(self, *args: Any, **kwargs: Any) -> None:
        """Exit a context manager for internal httpx.Client (see httpx docs)"""
        self.get_httpx_client().__exit__(*args, **kwargs)

    def set_async_httpx_client(self, async_client: httpx.AsyncClient) -> Self:
        """Manually set the underlying httpx.AsyncClient

        **NOTE**: This will override any other settings on the client, including cookies, headers, and timeout.
        """
        self._async_client = async_client
        return self

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        """Get the underlying httpx.AsyncClient, constructing a new one if not previously set"""
        if self._async_client is None:
            self._async_client = httpx.AsyncClient(**self._httpx_kwargs())
        return self._async_client

    async def __aenter__(self) -> Self:
        """Enter a context manager for underlying httpx.AsyncClient—you cannot enter twice (see httpx docs)"""
        await self.get_async_httpx_client().__aenter__()
        return self

    async def __aexit__(self, *args: Any, **kwargs: Any) -> None:
        """Exit a context manager for underlying httpx.AsyncClient (see httpx docs)"""
        await self.get_async_httpx_client().__aexit__(*args, **kwargs)

    def close(self) -> None:
        """Close the connections of the sync httpx client, if it was made."""
        if self._client is not None:
            self._client.close()

    async def aclose(self) -> None:
        """Close the connections of the async httpx client, if it was made."""
        if self._async_client is not None:
            await self._async_client.aclose()
