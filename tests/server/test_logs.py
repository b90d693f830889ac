"""`--log-format json`: one JSON object a line, the records of a request's handling (and of the job it
started) carrying the id its answer gives in X-Request-ID; the API key in none of them."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import httpx

from tests.helpers import API_KEY

if TYPE_CHECKING:
    from tests.helpers import ServerFactory


def test_json_logs_carry_the_request_id_of_the_answer_and_never_the_key(start_server: ServerFactory) -> None:
    server = start_server(environment={"BACKUPS_LOG_FORMAT": "json", "BACKUPS_LOG_LEVEL": "info"})

    answer = httpx.post(f"{server.url}/backups/create", headers={"X-Application-ID": API_KEY}, timeout=30)
    server.process.stop()
    log = server.process.log.read_text()
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    of_the_request = [
        record for record in records if record.get("request_id") == answer.headers["X-Request-ID"]
    ]

    assert answer.status_code == 200
    assert len(answer.headers["X-Request-ID"]) == 32
    assert {record["name"] for record in of_the_request} >= {
        "backups_server.engine.service",
        "uvicorn.access",
    }
    assert all({"asctime", "level", "name", "message"} <= record.keys() for record in records)
    assert not any("color_message" in record for record in records)  # uvicorn's, with terminal colors
    assert API_KEY not in log
