"""What `make fuzz` reads after the run: the statuses and links of schemathesis' event log, what the
spec promises, and the warnings of schemathesis' report that fail the run."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

from fuzz import ROOT, Contract, Run, refused_data_warnings
from schemathesis.generation.stateful import STATEFUL_TESTS_LABEL

if TYPE_CHECKING:
    from pathlib import Path

CREATE, CANCEL = "POST /backups/create", "POST /backup/{backup}/creation/cancel"
LINK = f"{CREATE} -> [200] CancelCreation -> {CANCEL}"


def case(method: str, path: str, status: int, **recorded: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    meta = {"phase": {"name": "fuzzing"}, "generation": {"mode": "positive"}}
    value = {"method": method, "path": path, "meta": meta}
    return {"value": value, **recorded}, {"response": {"status_code": status}}


def scenario(label: str, **cases: tuple[dict[str, Any], dict[str, Any]]) -> str:
    recorder = {
        "label": label,
        "cases": {case_id: recorded for case_id, (recorded, _) in cases.items()},
        "interactions": {case_id: interaction for case_id, (_, interaction) in cases.items()},
    }
    return json.dumps({"ScenarioFinished": {"recorder": recorder}})


def test_each_case_counts_once_for_its_operation(tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    created, unexpected = case("POST", "/backups/create", 200), case("TRACE", "/backups/create", 405)
    followed = case(
        "POST", "/backup/{backup}/creation/cancel", 204, transition={"id": LINK}, is_transition_applied=True
    )
    events.write_text(
        "\n".join(
            [
                scenario(CREATE, a=created, b=unexpected),
                scenario(CREATE, a=created),  # the same case, in a later event
                scenario(STATEFUL_TESTS_LABEL, c=created, d=followed),
            ]
        )
    )

    run = Run.read(events)

    assert run.statuses == {CREATE: Counter({200: 2, 405: 1}), CANCEL: Counter({204: 1})}
    assert run.links == {LINK}
    assert run.cases == Counter({("fuzzing", "positive"): 4})


def test_every_creation_and_restoration_links_to_its_status_cancel_get_delete_and_restorations() -> None:
    contract = Contract.read(ROOT / "openapi.yaml")
    targets: dict[str, set[str]] = {}
    for link in contract.links:
        source, _, target = link.split(" -> ")
        targets.setdefault(source, set()).add(target)

    get, delete = "GET /backup/{backup}", "POST /backups/{backup}/delete"
    creation = {"GET /backup/{backup}/creation/status", CANCEL, get, delete}
    restoration = {
        "GET /backup/{backup}/restoration/status",
        "POST /backup/{backup}/restoration/cancel",
        get,
        delete,
    }
    restore, restore_streamed = "POST /backup/{backup}/restore", "POST /backup/{backup}/restore/streamed"
    assert targets == {
        CREATE: creation | {restore, restore_streamed},
        "POST /backups/create/streamed": creation | {restore_streamed},
        restore: restoration | {restore},
        restore_streamed: restoration | {restore_streamed},
    }
    assert contract.successes[CANCEL] == {204}


def test_the_run_fails_on_the_warnings_of_data_refused(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    warnings = {"missing_test_data": [CANCEL], "validation_mismatch": [], "missing_auth": [CREATE]}
    report.write_text(json.dumps({"warnings": warnings}))

    assert refused_data_warnings(report) == {"missing_test_data": [CANCEL]}
