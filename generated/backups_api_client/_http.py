"""How one call goes over HTTP: the call's options, its retries, and the errors of its transport.

A call is retried only when it is safe to repeat: its method is idempotent (RFC 9110), or it
carries an ``Idempotency-Key``, which the operations that declare one always send. It is retried
after a connection error or a timeout, and after a 408, 409, 429, 500, 502, 503 or 504 answer
(``x-should-retry`` overrides the status), at most ``max_retries`` times. The wait before retry
``n`` is 0.5 s doubled ``n - 1`` times, 8 s at most, less up to a quarter at random (jitter);
or what the server asks for with ``Retry-After`` (seconds or an HTTP date) or ``retry-after-ms``,
unless that is over 60 s: then the answer is the call's outcome. Each retry is logged on the
package's logger, with its reason and its wait.
"""

import logging
import random
import uuid
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import httpx
from attrs import field, frozen

from .errors import APIConnectionError, APITimeoutError
from .types import UNSET, Unset

if TYPE_CHECKING:
    from .client import AuthenticatedClient, Client, Clock

log = logging.getLogger(__package__)

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
IDEMPOTENCY_KEY = "Idempotency-Key"
INITIAL_DELAY = 0.5
MAX_DELAY = 8.0
MAX_RETRY_AFTER = 60.0
_RETRIED_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
"""The transport errors after which a request may have been lost on the way, so is worth sending again."""


@frozen
class CallOptions:
    """What one call may set for itself, over its client's settings.

    Attributes:
        timeout: The call's timeout, instead of the client's; ``None`` for none.
        max_retries: How many times the call may be retried, instead of the client's ``max_retries``.
        extra_headers: Headers sent with the call, over the client's.
    """

    timeout: httpx.Timeout | float | None | Unset = UNSET
    max_retries: int | Unset = UNSET
    extra_headers: Mapping[str, str] | None = field(default=None)


def build_request(
    http: httpx.Client | httpx.AsyncClient, request: dict[str, Any], options: CallOptions
) -> httpx.Request:
    """The request of a call, with the call's headers and timeout over the client's.

    The call's headers are set on the request once it is built: cheaper than merging them into a
    copy of the client's, which httpx does for the headers it is given."""
    arguments = {name: value for name, value in request.items() if name != "headers"}
    if not isinstance(options.timeout, Unset):
        arguments["timeout"] = options.timeout
    built = http.build_request(**arguments)
    built.headers.update({**request.get("headers", {}), **(options.extra_headers or {})})
    return built


def new_idempotency_key() -> str:
    """A fresh Idempotency-Key, for one call and its retries."""
    return str(uuid.uuid4())


def repeatable(request: httpx.Request) -> bool:
    """Whether the request is safe to send again."""
    return request.method in IDEMPOTENT_METHODS or IDEMPOTENCY_KEY in request.headers


class Retries:
    """The retries of one call: after each failed attempt, whether to try again, and after how long.

    The sync and the async loops share it; only their waiting differs.
    """

    def __init__(self, request: httpx.Request, max_retries: int, clock: "Clock") -> None:
        self.request = request
        self.clock = clock
        self._left = max_retries if repeatable(request) else 0
        self._max_retries = max_retries
        self._done = 0

    def after_error(self, error: httpx.TransportError) -> float:
        """The wait before the next attempt after a transport error; raises the package's error
        when there is no next attempt."""
        if self._left and isinstance(error, _RETRIED_ERRORS):
            return self._next(backoff(self._done + 1), f"{type(error).__name__}: {error}")
        if isinstance(error, httpx.TimeoutException):
            raise APITimeoutError(self.request) from error
        raise APIConnectionError(self.request) from error

    def after_response(self, response: httpx.Response) -> float | None:
        """The wait before the next attempt after this answer, or None when it is the call's outcome."""
        if response.is_success or not (self._left and should_retry(response)):
            return None
        wait = retry_after(response.headers, self.clock.now())
        if wait is not None and wait > MAX_RETRY_AFTER:
            return None
        return self._next(
            backoff(self._done + 1) if wait is None else wait, f"{response.status_code} {response.reason_phrase}"
        )

    def _next(self, wait: float, reason: str) -> float:
        self._left -= 1
        self._done += 1
        log.info(
            "Retrying %s %s in %.2f s (retry %d of %d) after %s",
            self.request.method,
            self.request.url,
            wait,
            self._done,
            self._max_retries,
            reason,
        )
        return wait


def should_retry(response: httpx.Response) -> bool:
    """Whether the answer is worth another attempt: the server's ``x-should-retry`` if it says, else
    the status."""
    verdict = str(response.headers.get("x-should-retry", "")).strip().lower()
    if verdict in ("true", "false"):
        return verdict == "true"
    return response.status_code in RETRY_STATUSES


def backoff(retry: int) -> float:
    """The wait before retry number ``retry`` (from 1): exponential, capped, with jitter."""
    return min(INITIAL_DELAY * 2.0 ** (retry - 1), MAX_DELAY) * (1 - 0.25 * random.random())


def retry_after(headers: httpx.Headers, now: float) -> float | None:
    """The seconds the server asks to wait, from ``retry-after-ms`` or ``Retry-After``; None if neither
    says (a wait in the past is none)."""
    try:
        return max(float(headers["retry-after-ms"]) / 1000, 0.0)
    except (KeyError, ValueError):
        pass
    value = headers.get("retry-after", "").strip()
    if value.isdigit():
        return float(value)
    try:
        return max(parsedate_to_datetime(value).timestamp() - now, 0.0)
    except (TypeError, ValueError, IndexError):
        return None


def send(
    client: "AuthenticatedClient | Client", request: dict[str, Any], options: CallOptions, *, stream: bool = False
) -> httpx.Response:
    """Send the call's request, and again as long as its retries allow; the last answer is the
    outcome. With ``stream``, the body is left unread."""
    http = client.get_httpx_client()
    retries = Retries(build_request(http, request, options), _max_retries(client, options), client.clock)
    while True:
        try:
            response = http.send(retries.request, stream=stream)
        except httpx.TransportError as error:
            retries.clock.sleep(retries.after_error(error))
            continue
        wait = retries.after_response(response)
        if wait is None:
            return response
        response.close()
        retries.clock.sleep(wait)


async def asend(
    client: "AuthenticatedClient | Client", request: dict[str, Any], options: CallOptions, *, stream: bool = False
) -> httpx.Response:
    """:func:`send`, awaited."""
    http = client.get_async_httpx_client()
    retries = Retries(build_request(http, request, options), _max_retries(client, options), client.clock)
    while True:
        try:
            response = await http.send(retries.request, stream=stream)
        except httpx.TransportError as error:
            await retries.clock.asleep(retries.after_error(error))
            continue
        wait = retries.after_response(response)
        if wait is None:
            return response
        await response.aclose()
        await retries.clock.asleep(wait)


def _max_retries(client: "AuthenticatedClient | Client", options: CallOptions) -> int:
    return client.max_retries if isinstance(options.max_retries, Unset) else options.max_retries
