"""Where the server's spec is, and its version: `info.version` of the spec it serves, beside this
package in a wheel or an sdist, one folder up in the repository. The server's version is the API's,
so that one version rule and one compatibility gate decide the client's package and the server's.
(Read by the package's build too, by path: nothing here imports the rest of the package.)"""

from __future__ import annotations

import re
from pathlib import Path

_INFO_VERSION = re.compile(r"^info:\n(?:[ \t].*\n|\n)*?  version: *['\"]?([^'\"\s]+)", re.MULTILINE)


def spec_path(package: Path) -> Path:
    """The copy of the spec packaged in `package` (its folder), or the repository's openapi.yaml."""
    packaged = package / "openapi.yaml"
    return packaged if packaged.is_file() else package.parent.parent / "openapi.yaml"


def spec_version(spec: Path) -> str:
    """The spec's `info.version`; raises ValueError when it has none."""
    found = _INFO_VERSION.search(spec.read_text(encoding="utf-8"))
    if found is None:
        raise ValueError(f"{spec} has no info.version")
    return found[1]
