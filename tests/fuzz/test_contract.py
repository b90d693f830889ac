"""A smaller contract-fuzzing pass on every run of the suite: schemathesis generates requests from
openapi.yaml (valid and invalid ones), sends them to the live server and checks every answer
against the spec, with the settings of schemathesis.toml and the hooks of `make fuzz`.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from tests.helpers import API_KEY, ROOT

from . import hooks

if TYPE_CHECKING:
    from schemathesis import Case

    from tests.helpers import LiveServer

EXAMPLES_PER_OPERATION = 25

os.environ["FUZZ_API_KEY"] = API_KEY  # the key of every test server, read by schemathesis.toml
contract = schemathesis.openapi.from_path(
    ROOT / "openapi.yaml", config=SchemathesisConfig.from_path(ROOT / "schemathesis.toml")
)


@contract.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_keeps_the_contract(case: Case[Any], live_server: LiveServer) -> None:
    case.call_and_validate(base_url=live_server.url)


def test_stateful_sequences_keep_the_contract(live_server: LiveServer) -> None:
    contract.config.update(base_url=live_server.url)
    machine: Any = contract.as_state_machine()
    machine.run(settings=settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, stateful_step_count=4))


def test_511_refuses_credentials_in_every_schemathesis_check() -> None:
    modules = [module for name, module in sys.modules.items() if name.startswith("schemathesis.")]
    statuses = [
        module.AUTH_REJECTION_STATUSES for module in modules if hasattr(module, "AUTH_REJECTION_STATUSES")
    ]
    assert statuses
    assert all({401, 403, hooks.NETWORK_AUTHENTICATION_REQUIRED} <= status for status in statuses)


def test_an_event_stream_is_validated_event_by_event(live_server: LiveServer) -> None:
    """Found by fuzzing: the spec described the stream as an array, while each event is validated alone."""
    operation = contract["/backups/create/streamed"]["POST"]
    case = operation.Case(body={}, headers={"Accept": hooks.EVENT_STREAM, "X-Application-ID": API_KEY})
    response = case.call_and_validate(base_url=live_server.url)
    events = hooks.parse_events(response.content)
    assert response.headers["content-type"][0].startswith(hooks.EVENT_STREAM)
    assert [event.event for event in events][-1] == "completed"
    assert hooks.event_stream_media(operation) is not None
