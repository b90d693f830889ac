"""The HTTP face of the service: connexion routes and validates from openapi.yaml, the handlers
of operations.py answer, found by operationId. Every error is answered as short `text/plain`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException

from backups_server.api.framework import (
    ApiKeySecurityHandler,
    BadRequestProblem,
    ConnexionResponse,
    JSONRequestBodyValidator,
    MediaTypeDict,
    MiddlewarePosition,
    ProblemException,
    Resolver,
    SwaggerUIOptions,
    connexion,
)
from backups_server.api.handlers import BackupsApi
from backups_server.api.wire import InvalidSpec
from backups_server.errors import JobFailed, QueueFull, ServerError, StoreTooNew, failure_text
from backups_server.runtime.logs import request_id

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Collection, Iterator, Mapping

    from starlette.types import ASGIApp, Message, Receive, Scope, Send


log = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
"""Request bodies above this size are refused; the largest valid body is a few hundred bytes."""

DOCS = "/docs"
"""Where the API reference is served: Swagger UI, its assets in the package (swagger-ui-bundle)."""

REQUEST_ID = "X-Request-ID"

METRICS = "get-metrics"
"""The operation of `/metrics`."""

MAX_DETAIL = 160
"""Error texts are cut to this length: a validation message can quote a whole request body."""


def create_app(
    api: BackupsApi, *, document: dict[str, Any], api_keys: Collection[str], open_metrics: bool = False
) -> connexion.AsyncApp:
    """The ASGI application: connexion with the OpenAPI document, the handlers of `api`, and the keys;
    with `open_metrics`, `/metrics` needs no key, and the document served says so."""
    if open_metrics:
        document = _without_security(document, METRICS)
    if unhandled := [name for name in _operation_ids(document) if not hasattr(api, _handler_name(name))]:
        raise InvalidSpec(f"no handler for the operation {', '.join(unhandled)}")
    app = connexion.AsyncApp(
        __name__,
        lifespan=api.lifespan,
        security_map={"apiKey": partial(ApiKeys, api_keys)},
        validator_map={"body": MediaTypeDict({"*/*json": JsonBodyValidator})},
    )
    app.add_api(
        document,
        resolver=Resolver(function_resolver=lambda operation_id: getattr(api, _handler_name(operation_id))),
        swagger_ui_options=SwaggerUIOptions(swagger_ui_path=DOCS),
    )
    app.add_middleware(BodyLimits, position=MiddlewarePosition.BEFORE_EXCEPTION, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(RequestIds, position=MiddlewarePosition.BEFORE_EXCEPTION)
    texts = UpstreamTexts.from_spec(document)
    for problem in (HTTPException, ProblemException):
        app.add_error_handler(problem, partial(_http_error, texts))
    app.add_error_handler(ServerError, partial(_refused, texts))
    app.add_error_handler(Exception, _server_error)
    return app


class ApiKeys(ApiKeySecurityHandler):  # type: ignore[misc]
    """The API key scheme of the spec, checked against the configured keys in constant time."""

    def __init__(self, keys: Collection[str]) -> None:
        self._keys = [key.encode() for key in keys]

    def _resolve_func(self, _security_scheme: object) -> Any:
        return self._check

    def _check(self, presented: str) -> dict[str, str] | None:
        candidate = presented.encode("latin-1")
        matched = False
        for key in self._keys:
            matched |= hmac.compare_digest(candidate, key)
        return {"sub": hashlib.sha256(candidate).hexdigest()[:32]} if matched else None


class JsonBodyValidator(JSONRequestBodyValidator):  # type: ignore[misc]
    """connexion's JSON body validation, where an empty body is no body (clients send the JSON
    Content-Type with nothing after it) and bytes that are not JSON text are a 400, never a 500."""

    async def _parse(self, stream: AsyncIterator[bytes], scope: Scope) -> Any:
        raw = b"".join([chunk async for chunk in stream])
        if not raw:
            return _NO_BODY
        try:
            text = raw.decode(self._encoding)
        except (UnicodeDecodeError, LookupError):
            raise BadRequestProblem(detail=f"Request body is not {self._encoding} text") from None
        try:
            return json.loads(text, parse_constant=_reject_constant)
        except ValueError as error:
            raise BadRequestProblem(detail=f"Request body is not valid JSON: {error}") from None
        except RecursionError:
            raise BadRequestProblem(detail="Request body is nested too deeply") from None

    def _validate(self, body: Any) -> dict[str, Any] | None:
        if body is _NO_BODY:
            if self._required:
                raise BadRequestProblem(detail="Request body is required")
            return None
        result: dict[str, Any] | None = super()._validate(body)
        return result


_NO_BODY = object()


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


class BodyLimits:
    """Refuses with a 400 a request body larger than `max_bytes`, declared or streamed, and one sent
    with a Content-Encoding (gzip, br...): bodies are read as sent, never decoded."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        encoding = headers.get("content-encoding", "").strip().lower() or "identity"
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise BadRequestProblem(detail=f"Request body is larger than {self.max_bytes} bytes")
            message = await receive()
            body = message.get("body", b"")
            received += len(body)
            if received > self.max_bytes:
                raise BadRequestProblem(detail=f"Request body is larger than {self.max_bytes} bytes")
            if body and encoding != "identity":
                raise BadRequestProblem(
                    detail=f"Content-Encoding {encoding} is not supported; send the body as is"
                )
            return message

        await self.app(scope, limited_receive, send)


class RequestIds:
    """A new id for each request, in the logs of its handling (`runtime.logs`) and in its answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        current = uuid.uuid4().hex
        token = request_id.set(current)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append(REQUEST_ID, current)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)


@dataclass(frozen=True)
class UpstreamTexts:
    """The texts the spec documents for 505 and 511, the upstream wording, read once at startup."""

    version_not_supported: str
    authentication_required: str

    @classmethod
    def from_spec(cls, document: dict[str, Any]) -> UpstreamTexts:
        """Raises InvalidSpec when no operation documents one of them: the server could not answer it."""
        texts = dict(_documented_responses(document))
        if missing := [status for status in ("505", "511") if status not in texts]:
            raise InvalidSpec(
                f"no operation documents a {' or '.join(missing)} response, whose text this server answers"
            )
        return cls(version_not_supported=texts["505"], authentication_required=texts["511"])


def _without_security(document: dict[str, Any], operation_id: str) -> dict[str, Any]:
    """The document, with the operation open to anyone."""
    paths = {
        path: {
            method: {**operation, "security": []}
            if isinstance(operation, dict) and operation.get("operationId") == operation_id
            else operation
            for method, operation in item.items()
        }
        for path, item in document["paths"].items()
    }
    return {**document, "paths": paths}


def _handler_name(operation_id: str) -> str:
    return operation_id.replace("-", "_")


def _operation_ids(document: dict[str, Any]) -> Iterator[str]:
    for path in document["paths"].values():
        for operation in path.values():
            if isinstance(operation, dict) and "operationId" in operation:
                yield operation["operationId"]


def _documented_responses(document: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """The status and description of every response of every operation."""
    for path in document["paths"].values():
        for operation in path.values():
            if not isinstance(operation, dict):
                continue  # the path's own parameters, summary...
            for status, response in operation.get("responses", {}).items():
                resolved = _resolve(document, response["$ref"]) if "$ref" in response else response
                yield str(status), resolved["description"]


def _resolve(document: dict[str, Any], reference: str) -> Any:
    node: Any = document
    for key in reference.removeprefix("#/").split("/"):
        node = node[key]
    return node


def _text(status: int, text: str, headers: Mapping[str, str] | None = None) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=status, mimetype="text/plain", body=text.encode(), headers=dict(headers or {})
    )


def _http_error(texts: UpstreamTexts, _request: object, error: HTTPException) -> ConnexionResponse:
    if error.status_code in (401, 403):
        return _text(511, texts.authentication_required)
    status = 400 if error.status_code == 415 else error.status_code
    lines = str(error.detail or "").strip().splitlines() or ["Request failed"]
    detail = lines[0] if len(lines[0]) <= MAX_DETAIL else lines[0][: MAX_DETAIL - 3] + "..."
    return _text(status, detail, error.headers)


def _refused(texts: UpstreamTexts, _request: object, error: ServerError) -> ConnexionResponse:
    """The status the spec documents for the error, with what the client is told; a store written by
    a newer version answers the upstream 505 text."""
    if isinstance(error, StoreTooNew):
        log.error("refusing the store: %s", error)
        return _text(505, texts.version_not_supported)
    if error.status >= 500 and not isinstance(error, JobFailed | QueueFull):
        log.error("request failed", exc_info=error)
    return _text(error.status, error.client_text(), dict(error.headers))


def _server_error(_request: object, error: Exception) -> ConnexionResponse:
    log.error("request failed", exc_info=error)
    return _text(500, failure_text(error))
