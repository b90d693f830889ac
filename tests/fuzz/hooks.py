"""Schemathesis hooks for this API, shared by `make fuzz` (the CLI loads this module through
SCHEMATHESIS_HOOKS) and by the fuzzing pass of the test suite.

- Schemathesis reads event streams itself and validates each event's JSON `data` against the
  `text/event-stream` schema; a check here adds that every stream ends with exactly one terminal
  event (`x-sse-terminal-events`).
- Operations that offer an event stream are called with each `Accept`, so both answers get fuzzed
  (but in the stateful phase of `make fuzz`, below).
- An `Idempotency-Key` that an earlier request of the run used for another request is replaced by
  one of its own, as the spec asks of clients (a fresh key per request, the same for its repeats):
  the examples and the generated values repeat a few keys (the spec's example, `0`...) across
  operations, paths and bodies, which the server refuses with 422, as the spec says.
- In the stateful phase of `make fuzz` (FUZZ_FOLLOW_STREAMS=SECONDS), a streamed operation is asked
  for its event stream, followed for that long only before the next step: with a server that holds
  the jobs followed as event streams (`make fuzz` starts one), the links from a creation or a
  restoration reach its job while it still waits, and can cancel it. Its JSON answer is fuzzed in
  the other phases.
- 511 counts as refusing credentials, which is how this API answers a missing or wrong key.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from typing import TYPE_CHECKING, Any

import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core import transport
from schemathesis.generation.meta import TestPhase

from backups_api_client._sse import EventParser, ServerSentEvent
from tests.specs import resolve

if TYPE_CHECKING:
    from schemathesis import Case, CheckContext, Response
    from schemathesis.hooks import HookContext
    from schemathesis.schemas import APIOperation

EVENT_STREAM = "text/event-stream"
NETWORK_AUTHENTICATION_REQUIRED = 511
ACCEPT_CHOICES = (EVENT_STREAM, "application/json", "*/*")
IDEMPOTENCY_KEY = "Idempotency-Key"
FOLLOW_STREAMS = "FUZZ_FOLLOW_STREAMS"
"""Seconds a step of the stateful phase follows an event stream, when this variable sets them: only
`make fuzz` does, against a server that holds the jobs followed as event streams. Elsewhere a stream is
read whole, however slow the machine."""


def _refuse_credentials_with_511() -> None:
    """Count 511 among the statuses that refuse credentials.

    The upstream Pieces contract answers a missing or wrong key with 511 "Authentication
    Required"; schemathesis only knows 401 and 403, in a constant its modules import by name.
    """
    statuses = transport.AUTH_REJECTION_STATUSES | {NETWORK_AUTHENTICATION_REQUIRED}
    for name, module in list(sys.modules.items()):
        if name.startswith("schemathesis.") and hasattr(module, "AUTH_REJECTION_STATUSES"):
            setattr(module, "AUTH_REJECTION_STATUSES", statuses)  # noqa: B010


_refuse_credentials_with_511()


def event_stream_media(operation: APIOperation[Any, Any, Any, Any]) -> dict[str, Any] | None:
    """The `text/event-stream` media type object of the operation's success response, if any."""
    for status, response in operation.definition.raw.get("responses", {}).items():
        if str(status).startswith("2"):
            media = resolve(operation.schema.raw_schema, response).get("content", {}).get(EVENT_STREAM)
            if media is not None:
                return dict(media)
    return None


def parse_events(content: bytes) -> list[ServerSentEvent]:
    return EventParser().feed(content)


@schemathesis.check
def event_stream_ends_with_one_terminal_event(
    ctx: CheckContext, response: Response, case: Case[Any]
) -> bool | None:
    """A stream carries exactly one terminal event, as its last event."""
    if not transport.is_event_stream(transport.response_content_type(response)) or response.stream_cut_short:
        return None
    media = event_stream_media(case.operation) or {}
    terminal_types = set(media.get("x-sse-terminal-events", {}))
    if not terminal_types:
        return None
    events = parse_events(response.content)
    terminal = [index for index, event in enumerate(events) if event.event in terminal_types]
    if len(terminal) != 1 or terminal[0] != len(events) - 1:
        found = [event.event for event in events]
        raise AssertionError(
            f"The stream must end with exactly one of {sorted(terminal_types)}; its event types were {found}"
        )
    return None


@schemathesis.hook
def flatmap_case(context: HookContext, case: Case[Any]) -> st.SearchStrategy[Case[Any]]:
    if context.operation is None or event_stream_media(context.operation) is None:
        return st.just(case)

    def with_accept(accept: str) -> Case[Any]:
        case.headers["Accept"] = accept
        return case

    return st.sampled_from(ACCEPT_CHOICES).map(with_accept)


class KeyOwners:
    """Which request of the run first sent each Idempotency-Key, so that no other reuses it."""

    def __init__(self) -> None:
        self._owners: dict[str, str] = {}

    def own_key(self, key: str, request: str) -> str:
        """`key` if no other request sent it before, else a key of this request's own; either way,
        the key this request keeps for its repeats. The quotes of the draft's string form are kept
        and do not make another key, as on the server."""
        quoted = len(key) > 1 and key[0] == key[-1] == '"'
        bare = key[1:-1] if quoted else key
        if self._owners.setdefault(bare, request) == request:
            return key
        own = hashlib.sha256(f"{bare}\n{request}".encode()).hexdigest()[:32]
        self._owners.setdefault(own, request)
        return f'"{own}"' if quoted else own


KEY_OWNERS = KeyOwners()


def request_identity(case: Case[Any]) -> str:
    """What makes two requests the same one for an Idempotency-Key: the operation, its path and its
    body (the server may treat more of them as the same, never fewer)."""
    return json.dumps([case.operation.label, case.path_parameters, case.body], sort_keys=True, default=repr)


def is_positive(case: Case[Any]) -> bool:
    return case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE


@schemathesis.hook
def before_call(context: HookContext, case: Case[Any], kwargs: dict[str, Any]) -> None:
    key = case.headers.get(IDEMPOTENCY_KEY)
    if isinstance(key, str):
        # Every request with a key counts for its ownership; an invalid one keeps its key, which may be
        # what makes it invalid.
        own = KEY_OWNERS.own_key(key, request_identity(case))
        if is_positive(case):
            case.headers[IDEMPOTENCY_KEY] = own
    stateful = case.meta is not None and case.meta.phase.name == TestPhase.STATEFUL
    follow_for = os.environ.get(FOLLOW_STREAMS)
    if follow_for and stateful and event_stream_media(case.operation) is not None:
        case.headers["Accept"] = EVENT_STREAM
        kwargs["timeout"] = float(follow_for)
