"""The hooks give a request its own Idempotency-Key when the generated one was sent with another
request of the run: the same key with another request is a 422, as the spec says."""

from __future__ import annotations

import re

from tests.specs import SPEC_PATH, load

from .hooks import KeyOwners

PATTERN = load(SPEC_PATH)["components"]["parameters"]["IdempotencyKey"]["schema"]["pattern"]


def test_a_key_stays_with_the_request_that_sent_it_first() -> None:
    owners = KeyOwners()

    assert owners.own_key("0", "create {}") == "0"
    assert owners.own_key("0", "create {}") == "0", "a repeat keeps its key"
    assert owners.own_key('"0"', "create {}") == '"0"', "the quotes make no other key"


def test_another_request_gets_a_key_of_its_own_for_it_and_its_repeats() -> None:
    owners = KeyOwners()
    owners.own_key("0", "create {}")

    own = owners.own_key("0", "restore 1.0.0_1")
    quoted = owners.own_key('"0"', "restore 1.0.0_1")

    assert own != "0"
    assert owners.own_key("0", "restore 1.0.0_1") == own
    assert quoted == f'"{own}"'
    assert re.fullmatch(PATTERN, own)
    assert re.fullmatch(PATTERN, quoted)
    assert owners.own_key(own, "restore 1.0.0_1") == own, "its own key is taken for it"
    assert owners.own_key(own, "create {}") != own
