"""The HTTP face of the service: connexion routes and validates from openapi.yaml, these handlers answer.

Handlers are found by operationId (`backups-snapshot` is `BackupsApi.backups_snapshot`) and build
their responses as plain dicts; the spec is the only description of the contract. Every error
is answered as short `text/plain`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
import warnings
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import anyio.to_thread
import yaml
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException, StarletteDeprecationWarning
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse

from backups_server import sse
from backups_server.backups import SHUTTING_DOWN, BackupNotFound, StoreTooNew
from backups_server.idempotency import IdempotencyKeys, KeyReused, key_value, request_key
from backups_server.jobs import FAILED, BackupJobs, Job, failure_text
from backups_server.sweeper import Sweeper

with warnings.catch_warnings():
    # connexion imports what its dependencies deprecate (starlette's test client, jsonschema's
    # RefResolver): warnings for connexion, whose version is pinned, not for this server.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    import connexion
    from connexion.context import context
    from connexion.datastructures import MediaTypeDict
    from connexion.exceptions import BadRequestProblem, ProblemException
    from connexion.lifecycle import ConnexionResponse
    from connexion.middleware import MiddlewarePosition
    from connexion.options import SwaggerUIOptions
    from connexion.resolver import Resolver
    from connexion.security import ApiKeySecurityHandler
    from connexion.validators import JSONRequestBodyValidator

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Collection, Iterator, Mapping
    from pathlib import Path

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from backups_server.backups import BackupService

log = logging.getLogger(__name__)

Result = TypeVar("Result")

MAX_BODY_BYTES = 64 * 1024
"""Request bodies above this size are refused; the largest valid body is a few hundred bytes."""

MAX_DETAIL = 160
"""Error texts are cut to this length: a validation message can quote a whole request body."""

EVENT_STREAM = "text/event-stream"

CREATE = "create"
"""What the create operations do, for their Idempotency-Keys: both start the same kind of job."""

STORE_THREADS = 8
"""Threads for the calls that reach the store, apart from anyio's: a stalled store holds these only."""


class BackupsApi:
    """The operations of openapi.yaml, one method per operationId."""

    def __init__(
        self,
        service: BackupService,
        *,
        keepalive: float,
        max_concurrent: int,
        leftover_age: float,
        sweep_interval: float,
    ) -> None:
        self.service = service
        self.keepalive = keepalive
        self.max_concurrent = max_concurrent
        self.leftover_age = timedelta(seconds=leftover_age)
        self.keys = IdempotencyKeys()
        self.sweep_interval = sweep_interval
        self._jobs: BackupJobs | None = None
        self._store_calls: anyio.CapacityLimiter | None = None

    @asynccontextmanager
    async def lifespan(self, _app: object) -> AsyncIterator[None]:
        """Backups run in this task group, so they outlive the requests that started them."""
        async with anyio.create_task_group() as task_group:
            self._store_calls = anyio.CapacityLimiter(STORE_THREADS)
            self._jobs = BackupJobs(self.service, task_group, self.max_concurrent, self._store_calls)
            sweeper = Sweeper(
                self.service,
                older_than=self.leftover_age,
                every=self.sweep_interval,
                limiter=self._store_calls,
            )
            await anyio.to_thread.run_sync(self.service.apply_retention, limiter=self._store_calls)
            await task_group.start(sweeper.run)
            yield
            sweeper.stop()

    def abandon(self) -> None:
        """Fail every running backup now, saying the server is shutting down; none of them is listed."""
        self.service.stop()
        self.jobs.abandon(SHUTTING_DOWN)

    @property
    def jobs(self) -> BackupJobs:
        if self._jobs is None:
            raise RuntimeError("the application has not started")
        return self._jobs

    async def get_well_known_health(self) -> Response:
        return PlainTextResponse("ok")

    async def backups_snapshot(self) -> Response:
        backups = await self._in_store(self.service.list_backups)
        indices = {backup["id"]: index for index, backup in enumerate(backups)}
        return JSONResponse({"iterable": backups, "indices": indices})

    async def backups_create_new_backup(self, body: dict[str, Any] | None = None) -> Response:
        await self._in_store(self.service.check_format)
        final = await _outcome(self._job(CREATE, body, self.jobs.start))
        return JSONResponse(final["backup"])

    async def backups_create_new_backup_streamed(self, body: dict[str, Any] | None = None) -> Response:
        await self._in_store(self.service.check_format)
        headers = connexion.request.headers
        if not _prefers_event_stream(headers.get("accept", "")):
            return JSONResponse(await _outcome(self._job(CREATE, body, self.jobs.start)))
        last_seen = headers.get("last-event-id") if "idempotency-key" in headers else None
        job = self._job(CREATE, body, None if last_seen else self.jobs.start)
        stream = sse.event_stream(job, int(last_seen or 0), self.keepalive)
        return StreamingResponse(stream, media_type=EVENT_STREAM, headers=sse.HEADERS)

    async def backups_delete_specific_backup(self, backup: str) -> Response:
        await self._in_store(self.service.delete, backup)
        return Response(status_code=204)

    def _job(self, operation: str, body: Any, start: Callable[[], Job] | None) -> Job:
        """The job of this request: the one its Idempotency-Key started, or one `start` starts
        now (under that key, if there is one). Without `start`, the job must be known already."""
        header = connexion.request.headers.get("idempotency-key")
        if header is None and start is not None:
            return start()
        owner, key, request = context["user"], key_value(header or ""), request_key(operation, body)
        job = self.keys.find(owner, key, request)
        if job is None:
            if start is None:
                raise StreamGone(f"Idempotency-Key {key} names no job whose events can be resumed")
            job = start()
            self.keys.remember(owner, key, request, job)
        return job

    async def _in_store(self, call: Callable[..., Result], *arguments: Any) -> Result:
        """Run a blocking call that reaches the store on the store's own threads."""
        return await anyio.to_thread.run_sync(call, *arguments, limiter=self._store_calls)


def create_app(api: BackupsApi, *, spec: Path, api_keys: Collection[str]) -> connexion.AsyncApp:
    """The ASGI application: connexion with openapi.yaml, the handlers of `api`, and the keys."""
    document = yaml.safe_load(spec.read_text(encoding="utf-8"))
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
        swagger_ui_options=SwaggerUIOptions(swagger_ui=False),
    )
    app.add_middleware(BodyLimits, position=MiddlewarePosition.BEFORE_EXCEPTION, max_bytes=MAX_BODY_BYTES)
    texts = UpstreamTexts.from_spec(document)
    for problem in (HTTPException, ProblemException):
        app.add_error_handler(problem, partial(_http_error, texts))
    app.add_error_handler(StoreTooNew, partial(_version_error, texts))
    app.add_error_handler(BackupNotFound, _not_found)
    app.add_error_handler(KeyReused, _key_reused)
    app.add_error_handler(StreamGone, _stream_gone)
    app.add_error_handler(BackupFailed, _backup_failed)
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


def _prefers_event_stream(accept: str) -> bool:
    """Whether `Accept` ranks text/event-stream above JSON; on a tie JSON wins, as existing clients expect."""
    return _quality(accept, EVENT_STREAM) > _quality(accept, "application/json")


def _quality(accept: str, media_type: str) -> float:
    """The quality `accept` gives a media type: that of the most specific range matching it, as in
    RFC 9110 (section 12.5.1), or 0 when none does."""
    specificity = {media_type: 2, media_type.partition("/")[0] + "/*": 1, "*/*": 0}
    most_specific, quality = -1, 0.0
    for media_range in accept.split(","):
        kind, *parameters = (part.strip() for part in media_range.split(";"))
        rank = specificity.get(kind.lower(), -1)
        if rank > most_specific:
            most_specific, quality = rank, _q(parameters)
    return quality


def _q(parameters: list[str]) -> float:
    """The `q` among a media range's parameters, within [0, 1]; 1 when absent, 0 when unreadable."""
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                return 0.0
            return 0.0 if math.isnan(quality) else min(max(quality, 0.0), 1.0)
    return 1.0


class BackupFailed(Exception):
    """A backup ended with a `failed` event; its message is already fit for the client."""


class StreamGone(Exception):
    """A stream to resume belongs to no job this server knows; the message is fit for the client."""


async def _outcome(job: Job) -> dict[str, Any]:
    """The data of a job's `completed` event, once it ends; raises BackupFailed if it failed."""
    final = await job.final()
    if final.kind == FAILED:
        raise BackupFailed(final.data["message"])
    return final.data


class InvalidSpec(ValueError):
    """The OpenAPI document lacks something the server needs."""


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


def _version_error(texts: UpstreamTexts, _request: object, error: StoreTooNew) -> ConnexionResponse:
    log.error("refusing the store: %s", error)
    return _text(505, texts.version_not_supported)


def _not_found(_request: object, error: BackupNotFound) -> ConnexionResponse:
    return _text(404, str(error))


def _key_reused(_request: object, error: KeyReused) -> ConnexionResponse:
    return _text(422, str(error))


def _stream_gone(_request: object, error: StreamGone) -> ConnexionResponse:
    return _text(410, str(error))


def _backup_failed(_request: object, error: BackupFailed) -> ConnexionResponse:
    return _text(500, str(error))


def _server_error(_request: object, error: Exception) -> ConnexionResponse:
    log.error("request failed", exc_info=error)
    return _text(500, failure_text(error))
