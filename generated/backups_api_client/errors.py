"""The errors of backups_api_client: every one derives from :class:`APIError`.

- :class:`APIStatusError`: the server answered with a status other than a documented success; one
  subclass per error status the API documents, and :class:`UnexpectedStatus` for any other.
- :class:`APIConnectionError`: no answer came (the server is down, the connection broke);
  :class:`APITimeoutError` when it took too long. httpx's error is the ``__cause__``.
- :class:`StreamError`: an event stream did not end the way the API declares.

Calls that are safe to repeat raise an error only once their retries are spent.
"""

from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from ._sse import ServerSentEvent

MAX_MESSAGE = 500
"""The most characters of an answer's body that an error's message quotes."""


class APIError(Exception):
    """The base of every error this package raises."""


class APIStatusError(APIError):
    """The server answered with a status other than a documented success.

    Attributes:
        status_code: The status of the answer.
        text: The body of the answer, as text: the server's reason.
        response: The ``httpx.Response``, read.
    """

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.status_code = response.status_code
        self.text = response.text
        status = " ".join(filter(None, (str(self.status_code), response.reason_phrase)))
        reason = " ".join(self.text.split())
        if len(reason) > MAX_MESSAGE:
            reason = reason[: MAX_MESSAGE - 3] + "..."
        super().__init__(f"{status}: {reason}" if reason else status)


class UnexpectedStatus(APIStatusError):
    """The server answered with a status the API does not document for this operation."""


class BadRequestError(APIStatusError):
    """400: Bad Request, the request does not follow this specification (the text says how)."""


class NotFoundError(APIStatusError):
    """404: Not Found, there is no backup with this identifier."""


class NothingToCancelError(APIStatusError):
    """409: Conflict, there is nothing to cancel, the job has ended or its point of no return has passed
    (upstream answers 500)."""


class StreamGoneError(APIStatusError):
    """410: Gone, the job this Idempotency-Key started is not known here (the server restarted, or the
    key expired), so its stream cannot be resumed."""


class IdempotencyKeyReusedError(APIStatusError):
    """422: Unprocessable Content, this Idempotency-Key was already used for another request (another
    body, another backup, or another kind of job)."""


class InternalServerError(APIStatusError):
    """500: Internal Server Error"""


class ServiceUnavailableError(APIStatusError):
    """503: Service Unavailable, the server is at its limit of connections, requests or waiting jobs;
    try again after the seconds of `Retry-After`."""


class HttpVersionNotSupportedError(APIStatusError):
    """505: HTTP Version Not Supported, This means that your user needs to update their local os, or
    they cannot perform backup operations with the cloud"""


class AuthenticationRequiredError(APIStatusError):
    """511: Authentication Required, This means that you user needs to be authenticated with OS in order
    to perform this action"""


STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    404: NotFoundError,
    409: NothingToCancelError,
    410: StreamGoneError,
    422: IdempotencyKeyReusedError,
    500: InternalServerError,
    503: ServiceUnavailableError,
    505: HttpVersionNotSupportedError,
    511: AuthenticationRequiredError,
}
"""The class of each error status the API documents."""


def status_error(response: httpx.Response) -> APIStatusError:
    """The error for an answer whose status is not a documented success; its body must be read."""
    return STATUS_ERRORS.get(response.status_code, UnexpectedStatus)(response)


class APIConnectionError(APIError):
    """No answer came: the server could not be reached, or the connection broke off.

    Attributes:
        request: The ``httpx.Request`` that got no answer.
    """

    def __init__(self, request: httpx.Request, message: str = "The server could not be reached") -> None:
        self.request = request
        super().__init__(f"{message}: {request.method} {request.url}")


class APITimeoutError(APIConnectionError):
    """No answer came in time (``Client.timeout``, or the call's ``timeout=``)."""

    def __init__(self, request: httpx.Request) -> None:
        super().__init__(request, "The server did not answer in time")


class MissingAPIKeyError(APIError):
    """An operation that needs an API key was called on a client object that was given none."""


class StreamError(APIError):
    """An event stream did not end the way the API declares."""


class StreamFailed(StreamError):
    """The server ended the stream with a failure event.

    Attributes:
        event: The failure event.
        message: Why it failed, from the event's data, when the API declares where it says so.
    """

    def __init__(self, event: "ServerSentEvent", message: str | None) -> None:
        self.event = event
        self.message = message
        super().__init__(message or f"The stream ended with a {event.event!r} event")


class StreamTruncated(StreamError):
    """The stream ended before its terminal event, and could not be resumed: the server or the
    connection broke off, and every reconnection was spent or refused (see ``__cause__``).

    Attributes:
        last_event: The last event received, if any.
        reason: Why the stream was not resumed, when it could have been.
    """

    def __init__(self, last_event: "ServerSentEvent | None", reason: str | None = None) -> None:
        self.last_event = last_event
        self.reason = reason
        after = f" (last event id {last_event.id!r})" if last_event and last_event.id else ""
        why = f": {reason}" if reason else ""
        super().__init__(f"The stream ended before its terminal event{after}{why}")


class InvalidEvent(StreamError):
    """An event the client cannot read: its data is not what the API declares, or it is too large.

    Attributes:
        event: The event, when it was complete.
    """

    def __init__(self, reason: str, event: "ServerSentEvent | None" = None) -> None:
        self.event = event
        super().__init__(reason)


__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationRequiredError",
    "BadRequestError",
    "HttpVersionNotSupportedError",
    "IdempotencyKeyReusedError",
    "InternalServerError",
    "InvalidEvent",
    "NotFoundError",
    "NothingToCancelError",
    "ServiceUnavailableError",
    "status_error",
    "STATUS_ERRORS",
    "StreamError",
    "StreamFailed",
    "StreamGoneError",
    "StreamTruncated",
    "UnexpectedStatus",
]
