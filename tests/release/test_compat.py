"""The compatibility gate on spec variations: each case is a temporary copy of openapi.yaml with one
change, its generated package, and a reference server running the newer of the two specs.

Each test asserts what `make compat` prints for the case: the breaking changes named in one line
each (by the Python API check and by the wire check), the additions, and the verdict on the bump.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from compat import run_gate
from releases import Side

from tests.helpers import ROOT

from .specs import (
    Change,
    add_optional_field,
    generate,
    load_spec,
    remove_delete,
    rename_field,
    rename_list_operation,
    require_body,
    reword_description,
    set_version,
    write_spec,
)

if TYPE_CHECKING:
    from pathlib import Path

EXAMPLES = 5
"""Examples per operation for the wire check: the failures below show up on the first examples. The
cases that are about the Python API alone run without it (0)."""
PHASES = ("fuzzing",)
"""The wire check's phase in these tests: the one that sends a create without its optional body, which
finds every break below; `make compat` runs them all."""

API = "backups_api_client.api.backups"

pytestmark = pytest.mark.timeout(120)


def side(folder: Path, *changes: Change) -> Side:
    """openapi.yaml with the changes and the project generated from it; the repository's own without."""
    if not changes:
        return Side(ROOT / "openapi.yaml", ROOT / "generated", "openapi.yaml")
    folder.mkdir()
    document = load_spec(ROOT / "openapi.yaml")
    for change in changes:
        change(document)
    write_spec(document, folder / "openapi.yaml")
    generate(folder / "openapi.yaml", folder / "generated")
    return Side(folder / "openapi.yaml", folder / "generated", folder.name)


GateRun = Callable[..., tuple[bool, list[str]]]


@pytest.fixture
def gate(capsys: pytest.CaptureFixture[str]) -> GateRun:
    """Runs the gate from a baseline to a new side, with the wire check unless `wire` is false:
    whether it passed, and the lines it printed."""

    def run(baseline: Side, new: Side, *, wire: bool = True) -> tuple[bool, list[str]]:
        passed = run_gate(new, baseline=baseline, examples=EXAMPLES if wire else 0, phases=PHASES) is not None
        return passed, capsys.readouterr().out.splitlines()

    return run


def test_a_renamed_field_breaks_the_python_api_and_the_wire(tmp_path: Path, gate: GateRun) -> None:
    new = side(tmp_path / "renamed", rename_field, set_version("1.1.0"))
    passed, lines = gate(side(tmp_path), new)

    assert not passed
    assert (
        "  python: backups_api_client.models.backup: Backup.device_name: public object was removed; "
        "code that imports or uses it fails"
    ) in lines
    assert (
        "  wire: POST /backups/{backup}/delete: Schema-valid request rejected: "
        "the server answered 400 `'device' is a required property`"
    ) in lines
    assert lines[-1] == (
        "FAIL: breaking changes since 1.0.0 need a major version bump (at least 2.0.0); info.version is 1.1.0"
    )


def test_a_body_made_required_breaks_every_call_without_one(tmp_path: Path, gate: GateRun) -> None:
    new = side(tmp_path / "required", require_body, set_version("1.1.0"))
    passed, lines = gate(side(tmp_path), new)

    assert not passed
    for module in ("backups_create_new_backup", "backups_create_new_backup_streamed"):
        (line,) = [line for line in lines if line.startswith(f"  python: {API}.{module}:")]
        assert line.endswith(
            "parameter `body`: parameter is now required; calls that leave it out fail with a TypeError"
        )
        assert "sync, " in line
    answer = "the server answered 400 `RequestBody is required`"
    rejected = [
        f"  wire: POST {path}: Schema-valid request rejected: {answer}"
        for path in ("/backups/create", "/backups/create/streamed")
    ]
    assert set(rejected) & set(lines), "the wire check sends a create without a body"  # which one: the seed's
    assert lines[-1].startswith("FAIL: breaking changes since 1.0.0 need a major version bump")


def test_a_removed_operation_breaks_the_python_api(tmp_path: Path, gate: GateRun) -> None:
    new = side(tmp_path / "removed", remove_delete, set_version("1.1.0"))
    passed, lines = gate(side(tmp_path), new, wire=False)

    assert not passed
    assert (
        "  python: backups_api_client.api.backups.backups_delete_specific_backup: public object was removed; "
        "code that imports or uses it fails"
    ) in lines
    assert lines[-1].startswith("FAIL: breaking changes since 1.0.0 need a major version bump")


def test_a_removed_operation_passes_with_a_major_bump(tmp_path: Path, gate: GateRun) -> None:
    new = side(tmp_path / "removed", remove_delete, set_version("2.0.0"))
    passed, lines = gate(side(tmp_path), new, wire=False)

    assert passed
    assert lines[0] == "Baseline: openapi.yaml; 1.0.0 -> 2.0.0 (major bump; the changes need major)"


def test_an_added_optional_field_needs_a_minor_bump(tmp_path: Path, gate: GateRun) -> None:
    new = side(tmp_path / "added-field", add_optional_field)
    passed, lines = gate(side(tmp_path), new, wire=False)

    assert not passed
    assert "Breaking (0):" in lines
    assert "  python: backups_api_client.models.backup: Backup.note: new attribute" in lines
    assert lines[-1] == (
        "FAIL: additions since 1.0.0 need a minor version bump (at least 1.1.0); info.version is 1.0.0"
    )


def test_an_added_operation_needs_a_minor_bump(tmp_path: Path, gate: GateRun) -> None:
    baseline = side(tmp_path / "without-delete", remove_delete)
    passed, lines = gate(baseline, side(tmp_path), wire=False)

    assert not passed
    assert "Breaking (0):" in lines
    assert "  python: backups_api_client.api.backups.backups_delete_specific_backup: new module" in lines
    assert lines[-1].startswith("FAIL: additions since 1.0.0 need a minor version bump (at least 1.1.0)")


def test_a_renamed_operation_id_breaks_the_python_api_only(tmp_path: Path, gate: GateRun) -> None:
    baseline = side(tmp_path / "old-name", rename_list_operation("backups-list"))
    new = side(tmp_path / "new-name", set_version("1.1.0"))
    passed, lines = gate(baseline, new)

    assert not passed
    assert (
        "  python: backups_api_client.api.backups.backups_list: public object was removed; "
        "code that imports or uses it fails"
    ) in lines
    assert "  python: backups_api_client.api.backups.backups_snapshot: new module" in lines
    assert not [line for line in lines if line.startswith("  wire:")], "the wire is the same"
    assert lines[-1].startswith("FAIL: breaking changes since 1.0.0 need a major version bump")


def test_a_reworded_description_needs_a_patch_bump(tmp_path: Path, gate: GateRun) -> None:
    new = side(tmp_path / "reworded", reword_description)
    passed, lines = gate(side(tmp_path), new, wire=False)

    assert not passed
    assert "  python: backups_api_client.api.backups.backups_snapshot: changed" in lines
    assert lines[-1] == (
        "FAIL: changes since 1.0.0 need a patch version bump (at least 1.0.1); info.version is 1.0.0"
    )


def test_an_unchanged_spec_needs_no_bump(tmp_path: Path, gate: GateRun) -> None:
    passed, lines = gate(side(tmp_path / "same", set_version("1.0.0")), side(tmp_path), wire=False)

    assert passed
    assert lines[-2:] == ["Wire: not checked (0 examples per operation)", "OK: nothing changed"]
