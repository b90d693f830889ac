"""`/metrics`: Prometheus' text format, read with prometheus_client's own parser, before and after a
backup; the API key needed unless the server is told otherwise."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import httpx
from prometheus_client.parser import text_string_to_metric_families

from backups_api_client.api.backups import backups_create_new_backup, backups_snapshot
from backups_api_client.models import Backup
from tests.helpers import API_KEY

if TYPE_CHECKING:
    from tests.helpers import LiveServer, ServerFactory


def scraped(server: LiveServer, *, key: str | None = API_KEY) -> dict[str, float]:
    """Every sample of `/metrics`, by name and labels: `backups_jobs_completed_total{kind=creation}`."""
    headers = {"X-Application-ID": key} if key else {}
    answer = httpx.get(f"{server.url}/metrics", headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            labels = ",".join(f"{name}={value}" for name, value in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return samples


def test_the_metrics_count_a_backup(start_server: ServerFactory) -> None:
    server = start_server()
    before = scraped(server)
    with server.client() as client:
        backup = backups_create_new_backup.sync(client=client)
        assert isinstance(backup, Backup)
        backups_snapshot.sync(client=client)
    after = scraped(server)

    assert before.get("backups_jobs_completed_total{kind=creation}", 0) == 0
    assert after["backups_jobs_started_total{kind=creation}"] == 1
    assert after["backups_jobs_completed_total{kind=creation}"] == 1
    assert after["backups_job_duration_seconds_count{kind=creation}"] == 1
    assert after["backups_database_read_bytes_total"] == backup.bytes_
    assert after["backups_store_added_bytes_total"] > 0
    assert (
        after["backups_last_success_timestamp_seconds"]
        > before["backups_last_success_timestamp_seconds"]
        == 0
    )
    assert after["backups_listed"] == 1
    assert (after["backups_queue_waiting"], after["backups_jobs_running"]) == (0, 0)
    assert after["backups_store_errors_total"] == 0
    assert math.isnan(after["backups_next_scheduled_timestamp_seconds"])


def test_the_metrics_need_the_key_unless_the_server_opens_them(start_server: ServerFactory) -> None:
    closed, opened = start_server(), start_server(environment={"BACKUPS_METRICS_ACCESS": "open"})

    refused = httpx.get(f"{closed.url}/metrics", timeout=10)
    served = httpx.get(f"{opened.url}/openapi.json", timeout=10).json()
    still_closed = httpx.get(f"{opened.url}/backups", timeout=10)

    assert refused.status_code == 511
    assert scraped(opened, key=None)["backups_listed"] == 0
    assert served["paths"]["/metrics"]["get"]["security"] == []
    assert still_closed.status_code == 511, "only the metrics are opened"
