"""`make compat`: the compatibility gate between the last release and the working tree.

The baseline is the last release: the newest tag `vX.Y.Z` in the history of HEAD. When the working
tree is clean and HEAD itself carries the tag, the working tree is that release, so it is compared
with the release before it (which is how a tagged commit is checked when it is published). The
baseline's `openapi.yaml` and `generated/` are read from its tag. Without such a tag nothing was released
yet, and the gate passes: there is no installed client to break.

Two checks, both real:
- the Python API: griffe's breaking-change check on the generated package against the baseline's,
  plus griffe's view of what is new (public modules, classes, functions, attributes, parameters);
- the wire: schemathesis sends the requests the baseline spec allows (positive data, every phase)
  to a reference server running today's spec, and checks every answer against the baseline spec.

The version `info.version` must then be bumped at least as far as the changes need: major for a
breaking change, minor for an addition, patch for any other change of the package or its docs.
Below 1.0 every need is one step lower (0.x -> 0.(x+1) for a breaking change), as Cargo does.
"""

from __future__ import annotations

import argparse
import base64
import os
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import griffe
from fuzz import fuzzed_server, scenarios, schemathesis
from packaging.version import Version
from releases import ROOT, Side, checkout, last_release
from versions import Report

WIRE_EXAMPLES = int(os.environ.get("COMPAT_EXAMPLES", "25"))
"""Examples per operation for the wire check; `--max-examples` or COMPAT_EXAMPLES changes it, and 0
leaves the wire check out."""
WIRE_PHASES = ("examples", "coverage", "fuzzing", "stateful")
"""The schemathesis phases of the wire check: all of them."""
WIRE_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "positive_data_acceptance",
    "use_after_free",
    "ensure_resource_availability",
    "event_stream_ends_with_one_terminal_event",
)
WHY: dict[griffe.BreakageKind, str] = {
    griffe.BreakageKind.OBJECT_REMOVED: "code that imports or uses it fails",
    griffe.BreakageKind.OBJECT_CHANGED_KIND: "code that uses it as it was fails",
    griffe.BreakageKind.PARAMETER_REMOVED: "calls that pass it fail with a TypeError",
    griffe.BreakageKind.PARAMETER_MOVED: "positional calls pass their values to other parameters",
    griffe.BreakageKind.PARAMETER_CHANGED_KIND: "calls that pass it as before fail or bind another parameter",
    griffe.BreakageKind.PARAMETER_CHANGED_DEFAULT: "calls that leave it out now send something else",
    griffe.BreakageKind.PARAMETER_CHANGED_REQUIRED: "calls that leave it out fail with a TypeError",
    griffe.BreakageKind.PARAMETER_ADDED_REQUIRED: "existing calls lack it and fail with a TypeError",
    griffe.BreakageKind.RETURN_CHANGED_TYPE: "callers get another type than they handle",
    griffe.BreakageKind.ATTRIBUTE_CHANGED_TYPE: "readers get another type than they handle",
    griffe.BreakageKind.ATTRIBUTE_CHANGED_VALUE: "readers get another value",
    griffe.BreakageKind.CLASS_REMOVED_BASE: "isinstance() checks and inherited members no longer hold",
}


# --- The Python API -----------------------------------------------------------------------------


def load_api(side: Side) -> griffe.Object:
    loaded = griffe.load(side.package, search_paths=[side.project], allow_inspection=False)
    assert isinstance(loaded, griffe.Object)
    return loaded


def grouped(items: Iterator[tuple[griffe.Object, str]]) -> list[str]:
    """One line per module and description, naming every object of that module it applies to."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for obj, description in items:
        module = obj.module.path
        groups[module, description].append(obj.path.removeprefix(module + ".") if obj.path != module else "")
    return [
        f"{module}{': ' + ', '.join(names) if any(names) else ''}: {description}"
        for (module, description), names in groups.items()
    ]


def breakages(old: griffe.Object, new: griffe.Object) -> Iterator[tuple[griffe.Object, str]]:
    for breakage in griffe.find_breaking_changes(old, new):
        name = breakage.obj.name
        if breakage.kind == griffe.BreakageKind.ATTRIBUTE_CHANGED_VALUE and name.startswith("__"):
            continue  # `__all__` and `__version__` change with every addition and release
        what = breakage.kind.value.lower()
        if isinstance(breakage.old_value, griffe.Parameter):
            what = f"parameter `{breakage.old_value.name}`: {what}"
        yield breakage.obj, f"{what}; {WHY[breakage.kind]}"


def additions(old: griffe.Object, new: griffe.Object) -> Iterator[tuple[griffe.Object, str]]:
    """Public objects and parameters of `new` that `old` does not have (imports aside)."""
    for name, member in new.members.items():
        if member.is_alias or not member.is_public or name.startswith("__"):
            continue
        assert isinstance(member, griffe.Object)
        before = old.members.get(name)
        if before is None or before.is_alias:
            yield member, f"new {member.kind.value}"
        elif before.kind == member.kind and member.kind in {griffe.Kind.MODULE, griffe.Kind.CLASS}:
            assert isinstance(before, griffe.Object)
            yield from additions(before, member)
        elif isinstance(member, griffe.Function) and isinstance(before, griffe.Function):
            known = {parameter.name for parameter in before.parameters}
            for parameter in member.parameters:
                if parameter.name not in known:
                    yield member, f"new parameter `{parameter.name}`"


def modules(api: griffe.Object) -> Iterator[griffe.Module]:
    for member in api.modules.values():
        yield member
        yield from modules(member)


def changed_modules(old: griffe.Object, new: griffe.Object, explained: set[str]) -> list[str]:
    """Modules in both whose text differs, other than those where a breaking or new item is."""
    before = {module.path: module.filepath for module in modules(old)} | {old.path: old.filepath}
    found = []
    for module in [new, *modules(new)]:
        path = before.get(module.path)
        if path is None or module.path in explained or not isinstance(module.filepath, Path):
            continue
        assert isinstance(path, Path)
        if path.read_bytes() != module.filepath.read_bytes():
            found.append(f"{module.path}: changed")
    return found


def changed_docs(old: Side, new: Side) -> list[str]:
    old_docs, new_docs = old.project / "docs", new.project / "docs"
    if not new_docs.is_dir():
        return []
    return [
        f"docs/{page.name}: changed"
        for page in sorted(new_docs.glob("*.md"))
        if (old_docs / page.name).is_file() and (old_docs / page.name).read_bytes() != page.read_bytes()
    ]


def python_api(old: Side, new: Side, report: Report) -> None:
    old_api, new_api = load_api(old), load_api(new)
    broken, added = list(breakages(old_api, new_api)), list(additions(old_api, new_api))
    report.breaking += [f"python: {line}" for line in grouped(iter(broken))]
    report.added += [f"python: {line}" for line in grouped(iter(added))]
    explained = {obj.module.path for obj, _ in broken + added}
    changed = changed_modules(old_api, new_api, explained)
    report.changed += [f"python: {line}" for line in changed]
    if not (broken or added or changed):
        report.changed += changed_docs(old, new)


# --- The wire -----------------------------------------------------------------------------------


def operations(document: dict[str, Any]) -> dict[str, str]:
    """`METHOD /path` of every operation, by operationId."""
    return {
        operation["operationId"]: f"{method.upper()} {path}"
        for path, item in document.get("paths", {}).items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "operationId" in operation
    }


def failures(ndjson: Path) -> list[str]:
    """One line per operation and failed check, from schemathesis' event log."""
    lines: dict[tuple[str, str], str] = {}
    for recorder in scenarios(ndjson):
        for case_id, checks in recorder.get("checks", {}).items():
            for check in checks:
                failure = (check.get("failure_info") or {}).get("failure")
                if check.get("status") != "failure" or failure is None:
                    continue
                key = (failure["operation"], failure["title"])
                if key not in lines:
                    lines[key] = f"{failure['title']}{answer(recorder, case_id)}"
    return [f"wire: {operation}: {text}" for (operation, _), text in lines.items()]


def answer(recorder: dict[str, Any], case_id: str) -> str:
    """`: <status> <first line of the body>` of the answer a case got, if it is in the log."""
    response = (recorder.get("interactions", {}).get(case_id) or {}).get("response") or {}
    if "status_code" not in response:
        return ""
    text = base64.b64decode((response.get("content") or {}).get("$base64", "")).decode("utf-8", "replace")
    first = text.strip().splitlines()[0][:120] if text.strip() else ""
    return f": the server answered {response['status_code']}" + (f" `{first}`" if first else "")


def wire(old: Side, new: Side, examples: int, phases: tuple[str, ...] = WIRE_PHASES) -> list[str]:
    """Fuzz today's server, running the new spec, with the requests the old spec allows."""
    with tempfile.TemporaryDirectory(prefix="backups-compat-") as scratch:
        data_dir = Path(scratch)
        events = data_dir / "events.ndjson"
        with fuzzed_server(data_dir, spec=new.spec.resolve()) as server:
            done = schemathesis(
                old.spec.resolve(),
                server,
                events,
                "--mode", "positive",
                "--phases", ",".join(phases),
                "--checks", ",".join(WIRE_CHECKS),
                "--max-examples", str(examples),
                capture=True,
            )  # fmt: skip
        found = failures(events) if events.exists() else []
        if done.returncode != 0 and not found:
            tail = "\n".join(done.stdout.splitlines()[-15:] + done.stderr.splitlines()[-15:])
            found = [f"wire: schemathesis could not run the baseline spec:\n{tail}"]
        return found


# --- The gate -----------------------------------------------------------------------------------


def compare(
    old: Side, new: Side, *, examples: int = WIRE_EXAMPLES, phases: tuple[str, ...] = WIRE_PHASES
) -> Report:
    report = Report(old.version, new.version)
    python_api(old, new, report)
    if examples:
        report.breaking += wire(old, new, examples, phases)
    old_document, new_document = old.document, new.document
    old_operations, new_operations = operations(old_document), operations(new_document)
    report.operations_added = [
        f"`{operation_id}`: {route}"
        for operation_id, route in new_operations.items()
        if operation_id not in old_operations
    ]
    old_models = set(old_document.get("components", {}).get("schemas", {}))
    report.models_added = [
        f"`{name}`"
        for name in new_document.get("components", {}).get("schemas", {})
        if name not in old_models
    ]
    return report


def first_release(new: Side) -> Report:
    """What a first release adds: every operation and model of the spec."""
    document = new.document
    report = Report(Version("0"), new.version)
    report.operations_added = [
        f"`{operation_id}`: {route}" for operation_id, route in operations(document).items()
    ]
    report.models_added = [f"`{name}`" for name in document.get("components", {}).get("schemas", {})]
    return report


def print_report(report: Report, baseline: str) -> None:
    bump, needed = report.declared.name.lower(), report.needed.name.lower()
    versions = f"{report.old_version} -> {report.new_version}"
    print(f"Baseline: {baseline}; {versions} ({bump} bump; the changes need {needed})")
    for title, items in (("Breaking", report.breaking), ("Added", report.added), ("Changed", report.changed)):
        print(f"{title} ({len(items)}):")
        print("".join(f"  {item}\n" for item in items), end="")


def run_gate(
    new: Side, *, baseline: Side | None, examples: int, phases: tuple[str, ...] = WIRE_PHASES
) -> Report | None:
    """Print the gate's report; None when it fails. Without a baseline, the first release's report."""
    if baseline is None:
        print(f"No release yet (no tag vX.Y.Z in the history of HEAD): {new.version} is the first.")
        return first_release(new)
    report = compare(baseline, new, examples=examples, phases=phases)
    print_report(report, baseline.label)
    if not examples:
        print("Wire: not checked (0 examples per operation)")
    for problem in report.problems:
        print(f"FAIL: {problem}")
    if report.problems:
        return None
    print("OK: the version bump covers the changes" if report.needed else "OK: nothing changed")
    return report


def gate(root: Path = ROOT, *, examples: int = WIRE_EXAMPLES, baseline: str | None = None) -> Report | None:
    """The gate for the working tree of `root` against its last release (or the tag `baseline`)."""
    new = Side(root / "openapi.yaml", root / "generated", "the working tree")
    tag = baseline or last_release(root)
    if tag is None:
        return run_gate(new, baseline=None, examples=examples)
    with tempfile.TemporaryDirectory(prefix="backups-baseline-") as scratch:
        return run_gate(new, baseline=checkout(tag, Path(scratch), root), examples=examples)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline", help="compare with this tag instead of the last release")
    parser.add_argument(
        "--max-examples",
        type=int,
        default=WIRE_EXAMPLES,
        help=f"examples per operation for the wire check (default {WIRE_EXAMPLES})",
    )
    args = parser.parse_args()
    return 0 if gate(examples=args.max_examples, baseline=args.baseline) is not None else 1


if __name__ == "__main__":
    sys.exit(main())
