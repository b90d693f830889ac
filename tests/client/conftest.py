from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi.yaml"


@pytest.fixture(scope="session")
def spec() -> dict[str, Any]:
    document: dict[str, Any] = YAML(typ="safe").load(SPEC_PATH)
    return document
