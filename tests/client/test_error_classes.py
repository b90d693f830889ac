"""The error classes of the generated client: one per documented error status, each named after the
component its responses refer to, or after its reason phrase when that component is another
status's too, or when the status's answer is written in place."""

from __future__ import annotations

from typing import Any

import pytest
from codegen.spec import error_classes

RESPONSES = "#/components/responses/"


def spec(statuses: dict[str, str | None], components: set[str]) -> dict[str, Any]:
    """One operation answering each status with the named component, or in place for None."""
    return {
        "paths": {
            "/things": {
                "get": {
                    "responses": {
                        status: {"$ref": RESPONSES + name} if name else {"description": f"A {status}."}
                        for status, name in statuses.items()
                    }
                }
            }
        },
        "components": {"responses": {name: {"description": f"{name}."} for name in components}},
    }


def names(document: dict[str, Any]) -> list[tuple[int, str, str]]:
    return [(error.status, error.name, error.description) for error in error_classes(document)]


def test_a_component_names_the_class_of_its_status() -> None:
    assert names(spec({"404": "Missing", "200": None}, {"Missing"})) == [(404, "MissingError", "Missing.")]


def test_statuses_sharing_a_component_are_named_after_their_reason_phrases() -> None:
    document = spec({"400": "Problem", "500": "Problem", "404": "Missing"}, {"Problem", "Missing"})
    assert names(document) == [
        (400, "BadRequestError", "Problem."),
        (404, "MissingError", "Missing."),
        (500, "InternalServerError", "Problem."),
    ]


def test_a_status_without_a_reason_phrase_is_named_by_its_number() -> None:
    assert names(spec({"499": None}, set())) == [(499, "Status499Error", "A 499.")]


def test_a_component_named_like_an_inline_status_gives_way_to_the_reason_phrases() -> None:
    assert names(spec({"404": None, "410": "NotFound"}, {"NotFound"})) == [
        (404, "NotFoundError", "A 404."),
        (410, "GoneError", "NotFound."),
    ]


def test_a_name_two_statuses_would_share_anyway_fails_the_generation() -> None:
    with pytest.raises(ValueError, match="BadRequestError"):
        error_classes(spec({"404": "BadRequest", "400": "Other", "500": "Other"}, {"BadRequest", "Other"}))
