"""Errors: 511 without a valid key, 505 for a store of a newer format, 404, 400 for anything that
breaks the spec, 500 when the store fails; always short text/plain, never a traceback."""

from __future__ import annotations

import gzip
import io
import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from backups_api_client import Client, errors
from backups_api_client.api.backups import backups_create_new_backup, backups_snapshot
from backups_api_client.models import Backup
from backups_server.storage.layout import FORMAT, FORMAT_OBJECT

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.helpers import LiveServer, ServerFactory, StoreUnderTest

BACKUP_ID = "1.0.0_1795854206123456"
OPERATIONS = [
    ("GET", "/backups"),
    ("POST", "/backups/create"),
    ("POST", "/backups/create/streamed"),
    ("POST", f"/backups/{BACKUP_ID}/delete"),
]


def http_client(server: LiveServer) -> httpx.Client:
    """A plain HTTP client that sends the key, for requests the generated client cannot make."""
    return httpx.Client(base_url=server.url, headers={"X-Application-ID": server.api_key}, timeout=30)


@pytest.fixture
def http(any_live_server: LiveServer) -> Iterator[httpx.Client]:
    with http_client(any_live_server) as client:
        yield client


def documented_text(spec: dict[str, Any], response: str) -> str:
    text: str = spec["components"]["responses"][response]["description"]
    return text


def assert_plain_error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/plain")
    assert "Traceback" not in response.text
    assert len(response.text) < 200
    assert "\n" not in response.text
    return response.text


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize("key", [None, "", "wrong-key", "test-key-7f3a9c-but-longer"])
def test_a_missing_or_wrong_key_is_511(
    any_live_server: LiveServer, spec: dict[str, Any], method: str, path: str, key: str | None
) -> None:
    headers = {} if key is None else {"X-Application-ID": key}
    response = httpx.request(method, any_live_server.url + path, headers=headers, json={})

    assert assert_plain_error(response, 511) == documented_text(spec, "AuthenticationRequired")


def test_the_generated_client_without_a_key_gets_511(
    any_live_server: LiveServer, spec: dict[str, Any]
) -> None:
    with Client(base_url=any_live_server.url) as client:
        response = backups_snapshot.sync_detailed(client=client)
        with pytest.raises(errors.AuthenticationRequiredError) as refused:
            backups_snapshot.sync(client=client)

    assert (response.status_code, response.parsed) == (511, None)
    assert response.content.decode() == refused.value.text == documented_text(spec, "AuthenticationRequired")


def test_the_health_check_needs_no_key(live_server: LiveServer) -> None:
    response = httpx.get(f"{live_server.url}/.well-known/health")

    assert response.status_code == 200
    assert response.text == "ok"


@pytest.mark.parametrize("store", ["folder", "s3"], indirect=True)
def test_a_store_of_a_newer_format_is_505_and_left_untouched(
    start_server: ServerFactory, store: StoreUnderTest, spec: dict[str, Any]
) -> None:
    marker = json.dumps({"format": FORMAT + 1, "written_by": "a newer server"}).encode()
    server = start_server()
    with http_client(server) as http:
        assert http.post("/backups/create").status_code == 200
    store.store.write(FORMAT_OBJECT, io.BytesIO(marker))
    before = {item.name: item.size for item in store.store.list("")}
    server.process.stop()

    restarted = start_server(database=server.database, data_dir=server.data_dir)  # reads the marker at start
    with http_client(restarted) as http:
        for method, path in OPERATIONS:
            for accept in ("application/json", "text/event-stream"):
                response = http.request(method, path, headers={"Accept": accept})
                assert assert_plain_error(response, 505) == documented_text(spec, "HttpVersionNotSupported")

    assert {item.name: item.size for item in store.store.list("")} == before
    stored = io.BytesIO()
    store.store.read(FORMAT_OBJECT, stored)
    assert stored.getvalue() == marker


def test_an_unknown_backup_is_404(http: httpx.Client) -> None:
    response = http.post(f"/backups/{BACKUP_ID}/delete")

    assert assert_plain_error(response, 404) == f"Backup {BACKUP_ID} was not found"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{", "application/json"),
        (b'{"schema": ', "application/json"),
        (b'{"schema": NaN}', "application/json"),
        (b'{"note": "caf\xe9"}', "application/json"),
        (b"\xff\xfe{}", "application/json"),
        (b"{}", "text/plain"),
        (b"<backup/>", "application/xml"),
        (b"schema=1", "application/x-www-form-urlencoded"),
        (b"[]", "application/json"),
        (b'"backup"', "application/json"),
        (b"null", "application/json"),
        (b'{"schema": 5}', "application/json"),
        (b'{"schema": {"migration": 0}}', "application/json"),
        (b'{"schema": {"migration": "zero", "semantic": "MAJOR_0_MINOR_0_PATCH_1"}}', "application/json"),
        (b'{"schema": "' + b"x" * 60_000 + b'"}', "application/json"),
        (b"[" * 20_000 + b"]" * 20_000, "application/json"),
        (b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "application/json"),
    ],
)
@pytest.mark.parametrize("path", ["/backups/create", "/backups/create/streamed"])
def test_a_body_that_breaks_the_spec_is_400(
    http: httpx.Client, path: str, content: bytes, content_type: str
) -> None:
    before = http.get("/backups").json()["iterable"]

    response = http.post(path, content=content, headers={"Content-Type": content_type})

    assert_plain_error(response, 400)
    assert http.get("/backups").json()["iterable"] == before


def test_a_delete_body_that_breaks_the_spec_is_400(http: httpx.Client) -> None:
    response = http.post(f"/backups/{BACKUP_ID}/delete", json={"id": BACKUP_ID})

    assert "required property" in assert_plain_error(response, 400)


@pytest.mark.parametrize("chunked", [False, True])
def test_an_oversized_body_is_400(http: httpx.Client, chunked: bool) -> None:
    body = json.dumps({"padding": "x" * 100_000}).encode()
    content = iter([body[:50_000], body[50_000:]]) if chunked else body

    response = http.post("/backups/create", content=content, headers={"Content-Type": "application/json"})

    assert assert_plain_error(response, 400) == "Request body is larger than 65536 bytes"


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        (b"{}", "gzip"),
        (gzip.compress(b"{}", mtime=0), "gzip"),
        (gzip.compress(b"{}", mtime=0), "GZIP"),
        (b"{}", "br, identity"),
    ],
)
@pytest.mark.parametrize(
    "path", ["/backups/create", "/backups/create/streamed", f"/backups/{BACKUP_ID}/delete"]
)
def test_a_body_with_a_content_encoding_is_400(
    http: httpx.Client, path: str, content: bytes, encoding: str
) -> None:
    before = http.get("/backups").json()["iterable"]
    headers = {"Content-Type": "application/json", "Content-Encoding": encoding}

    response = http.post(path, content=content, headers=headers)

    expected = f"Content-Encoding {encoding.lower()} is not supported; send the body as is"
    assert assert_plain_error(response, 400) == expected
    assert http.get("/backups").json()["iterable"] == before


@pytest.mark.parametrize("backup_id", ["a..b", ".hidden", "a b", "x" * 129, "é", "1.0.0_1795854206123456."])
def test_a_path_id_that_breaks_the_pattern_is_400(http: httpx.Client, backup_id: str) -> None:
    response = http.post(f"/backups/{backup_id}/delete")

    assert_plain_error(response, 400)


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (None, {}),
        (b"", {"Content-Type": "application/json"}),
        (b"{}", {"Content-Type": "application/json"}),
        (b'{"schema": null}', {"Content-Type": "application/json"}),
        (
            b'{"schema": {"migration": 0, "semantic": "MAJOR_0_MINOR_0_PATCH_1"}}',
            {"Content-Type": "application/json"},
        ),
        (b'{"schema": null, "extra": true}', {"Content-Type": "application/json; charset=utf-8"}),
        (b"{}", {"Content-Type": "application/json", "Content-Encoding": "identity"}),
        (b"", {"Content-Type": "application/json", "Content-Encoding": "gzip"}),  # nothing to decode
    ],
)
def test_bodies_with_nulls_omissions_or_nothing_are_accepted(
    http: httpx.Client, content: bytes | None, headers: dict[str, str]
) -> None:
    response = http.post("/backups/create", content=content, headers=headers)

    assert response.status_code == 200, response.text
    Backup.from_dict(response.json())


def test_the_generated_client_sends_no_body_with_a_json_content_type(any_live_server: LiveServer) -> None:
    with any_live_server.client() as client:
        response = backups_create_new_backup.sync_detailed(client=client)

    assert response.status_code == 200
    assert isinstance(response.parsed, Backup)


def test_a_delete_body_with_explicit_nulls_is_accepted(http: httpx.Client) -> None:
    backup = http.post("/backups/create").json()
    body = {**backup, "schema": None, "created": {**backup["created"], "readable": None, "schema": None}}

    response = http.post(f"/backups/{backup['id']}/delete", json=body)

    assert response.status_code == 204, response.text


@pytest.mark.parametrize("store", ["folder", "s3"], indirect=True)
def test_a_failing_store_is_a_short_500(
    start_server: ServerFactory, store: StoreUnderTest, refusing_port: int
) -> None:
    if store.kind == "folder":
        blocker = start_server.tmp_path / "not-a-folder"
        blocker.write_text("a file where the store folder should be")
        environment = {"BACKUPS_STORE": blocker.as_uri()}
    else:
        unreachable = f"http://127.0.0.1:{refusing_port}"
        environment = {"AWS_ENDPOINT_URL": unreachable, "AWS_MAX_ATTEMPTS": "1"}
    server = start_server(environment=environment)
    headers = {"X-Application-ID": server.api_key}

    for method, path in OPERATIONS:
        response = httpx.request(method, server.url + path, headers=headers, timeout=30)
        assert assert_plain_error(response, 500) == "The backup store failed; see the server log"

    assert "Traceback" in server.process.log.read_text()
