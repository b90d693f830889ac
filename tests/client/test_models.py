"""The generated models against the schemas they come from."""

from __future__ import annotations

from typing import Any

import pytest

from backups_api_client import models
from backups_api_client.types import UNSET
from tests.specs import SPEC_PATH, load, object_schemas, optional_properties, required_example


@pytest.mark.parametrize("name", sorted(load(SPEC_PATH)["components"]["schemas"]))
def test_every_schema_example_round_trips(spec: dict[str, Any], name: str) -> None:
    schema = spec["components"]["schemas"][name]
    example = schema["example"]
    model = getattr(models, name)
    if "enum" in schema:
        assert model(example).value == example
    else:
        assert model.from_dict(example).to_dict() == example


@pytest.mark.parametrize(("name", "field"), optional_properties(load(SPEC_PATH)))
def test_optional_fields_parse_when_absent_or_null(spec: dict[str, Any], name: str, field: str) -> None:
    model = getattr(models, name)
    base = required_example(spec, name)
    base.pop(field, None)

    absent = model.from_dict(base)
    assert getattr(absent, field) is UNSET
    assert field not in absent.to_dict()

    explicit_null = model.from_dict({**base, field: None})
    assert getattr(explicit_null, field) is None
    assert explicit_null.to_dict()[field] is None


def test_every_object_schema_has_a_model(spec: dict[str, Any]) -> None:
    for name in object_schemas(spec):
        assert hasattr(getattr(models, name), "from_dict"), name


def test_unknown_fields_are_kept() -> None:
    progress = models.BackupStreamedProgress.from_dict({"status": "COMPLETED", "extra": 1})
    assert progress.status == models.ModelDownloadProgressStatusEnum.COMPLETED
    assert progress.to_dict() == {"status": "COMPLETED", "extra": 1}
