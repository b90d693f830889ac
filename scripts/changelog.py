"""`make changelog`: write the CHANGELOG.md entry of the version in openapi.yaml, from the gate's report.

The gate (scripts/compat.py) runs first; when it fails, nothing is written. The entry holds the date,
the breaking, added and changed items of the report, and the operations and models added. An entry
of the same version is replaced, so the entry follows the spec until the release; a version that has
a release tag already is refused. Run `make generate` afterwards: the package's README and sdist
carry the changelog.
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys

from compat import gate
from releases import ROOT, release_tags
from versions import Report

CHANGELOG = ROOT / "CHANGELOG.md"
HEADER = """# Changelog

Every release of the client package `backups-api-client`, newest first. The version is the spec's
`info.version`; `make changelog` writes each entry from the compatibility gate's report.
"""


def entry(report: Report, date: datetime.date) -> str:
    since = f"Compared with {report.old_version}." if report.old_version.release != (0,) else "First release."
    sections = [
        ("Breaking", report.breaking),
        ("Added", report.added),
        ("Changed", report.changed),
        ("Operations added", report.operations_added),
        ("Models added", report.models_added),
    ]
    lines = [f"## {report.new_version} - {date.isoformat()}", "", since]
    for title, items in sections:
        if items:
            lines += ["", f"### {title}", "", *(f"- {item}" for item in items)]
    return "\n".join(lines) + "\n"


def with_entry(text: str, version: str, new_entry: str) -> str:
    """The changelog with `new_entry` first, in place of an entry of the same version."""
    entries = re.split(r"^(?=## )", text, flags=re.MULTILINE)
    kept = [part for part in entries[1:] if not part.startswith(f"## {version} ")]
    header = entries[0] if entries[0].strip() else HEADER
    return "\n".join([header.rstrip() + "\n", new_entry, *kept]).rstrip() + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--date", type=datetime.date.fromisoformat, default=datetime.date.today())
    args = parser.parse_args()
    report = gate()
    if report is None:
        print("CHANGELOG.md is unchanged: the gate failed")
        return 1
    version = str(report.new_version)
    if f"v{version}" in release_tags():
        print(f"{version} is released already (tag v{version}); bump info.version in openapi.yaml first")
        return 1
    text = CHANGELOG.read_text(encoding="utf-8") if CHANGELOG.exists() else ""
    CHANGELOG.write_text(with_entry(text, version, entry(report, args.date)), encoding="utf-8")
    print(f"CHANGELOG.md: wrote the entry of {version}; run `make generate` to carry it into generated/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
