"""`/docs`: the API reference, rendered by Swagger UI from the spec the server serves, its assets from
the package (no CDN), checked in a real headless Chromium (Debian's `chromium`): the page loads with
no console error and no request elsewhere, lists every operation, and a request made from the page,
with the API key, lists the backups."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import sync_playwright

from backups_api_client.api.backups import backups_create_new_backup
from backups_api_client.models import Backup
from tests.helpers import API_KEY
from tests.specs import SPEC_PATH, load

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import ConsoleMessage, Request

    from tests.helpers import LiveServer

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Debian's Chromium at /usr/bin/chromium: apt-get install chromium"
)
QUIET = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
"""Chromium's flags for a machine with no network beyond loopback (and run as root in CI)."""


def test_the_api_reference_lists_every_operation_and_tries_one_with_the_key(
    server: LiveServer, tmp_path: Path
) -> None:
    with server.client() as client:
        backup = backups_create_new_backup.sync(client=client)
    assert isinstance(backup, Backup)
    errors: list[str] = []
    elsewhere: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    def request(sent: Request) -> None:
        if not sent.url.startswith(server.url):
            elsewhere.append(sent.url)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=QUIET)
        try:
            page = browser.new_page()
            page.on("console", console)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("request", request)
            page.goto(f"{server.url}/docs/")
            page.wait_for_selector(".opblock")
            shown = set(page.locator(".opblock").evaluate_all("blocks => blocks.map(block => block.id)"))

            page.click(".auth-wrapper button.authorize")
            page.fill(".modal-ux input", API_KEY)
            page.click(".modal-ux .auth-btn-wrapper button.authorize")
            page.click(".modal-ux button.btn-done")
            listing = page.locator("#operations-Backups-backups-snapshot")
            listing.locator(".opblock-summary").click()
            listing.locator("button.try-out__btn").click()
            listing.locator("button.execute").click()
            answer = listing.locator(".live-responses-table .response").first
            answer.wait_for()
            status = answer.locator(".response-col_status").inner_text().strip()
            body = answer.locator(".response-col_description").inner_text()
            page.screenshot(path=tmp_path / "docs.png", full_page=True)
        finally:
            browser.close()

    spec = load(SPEC_PATH)
    operations = {
        f"operations-{operation['tags'][0]}-{operation['operationId']}"
        for item in spec["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    assert errors == []
    assert elsewhere == []
    assert shown == operations
    assert status == "200"
    assert backup.id in body
