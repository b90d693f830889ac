"""Schemathesis hooks for this API, shared by `make fuzz` (the CLI loads this module through
SCHEMATHESIS_HOOKS) and by the fuzzing pass of the test suite.

- Schemathesis reads event streams itself and validates each event's JSON `data` against the
  `text/event-stream` schema; a check here adds that every stream ends with exactly one terminal
  event (`x-sse-terminal-events`).
- Operations that offer an event stream are called with each `Accept`, so both answers get fuzzed.
- 511 counts as refusing credentials, which is how this API answers a missing or wrong key.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import schemathesis
from hypothesis import strategies as st
from schemathesis.core import transport

from backups_api_client._sse import EventParser, ServerSentEvent
from tests.specs import resolve

if TYPE_CHECKING:
    from schemathesis import Case, CheckContext, Response
    from schemathesis.hooks import HookContext
    from schemathesis.schemas import APIOperation

EVENT_STREAM = "text/event-stream"
NETWORK_AUTHENTICATION_REQUIRED = 511
ACCEPT_CHOICES = (EVENT_STREAM, "application/json", "*/*")


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
