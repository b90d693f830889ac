"""Retries: what is retried, after how long, and what never is.

The server is a scripted ASGI app on 127.0.0.1 (tests/stream/app.py): a script answers each attempt
with the next of its statuses, then 200. The client's clock records the waits instead of waiting,
so no assertion depends on time.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import anyio
import httpx
import pytest

from backups_api_client import AuthenticatedClient, errors
from backups_api_client.api.backups import (
    backups_create_new_backup,
    backups_delete_specific_backup,
    backups_snapshot,
)
from backups_api_client.models import Backups
from tests.stream.app import Reply, ScriptedApp
from tests.stream.live import serve
from tests.waits import Waits, in_backoff

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
Answer = tuple[int, Mapping[str, str]]


class Script:
    """Answers each attempt with the next of `answers`, then 200 with an empty listing; a status
    of 0 answers nothing, ever."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.keys: list[str | None] = []
        """The Idempotency-Key of each attempt."""

    @property
    def attempts(self) -> int:
        return len(self.keys)

    async def __call__(self, reply: Reply) -> None:
        self.keys.append(reply.headers.get("idempotency-key"))
        status, headers = self.answers.pop(0) if self.answers else (200, {})
        if status == 0:
            await anyio.sleep_forever()
        if status == 200:
            await reply.start(200, "application/json")
            await reply.write(b'{"iterable": []}')
        else:
            await reply.start(status, "text/plain", headers)
            await reply.write(b"not now")


@pytest.fixture
def scripts() -> dict[str, Script]:
    return {}


@pytest.fixture
def base_url(scripts: dict[str, Script]) -> Iterator[str]:
    with serve(ScriptedApp(scripts)) as url:
        yield url


Call = Callable[..., object]


@pytest.fixture
def call(base_url: str, scripts: dict[str, Script]) -> Callable[..., tuple[object, Script, list[float]]]:
    """Call an operation against a new script: the outcome (or the error), the script and the waits."""

    def run(
        function: Call, *answers: Answer, is_async: bool = False, **arguments: object
    ) -> tuple[object, Script, list[float]]:
        script, waits = Script(*answers), Waits(is_async, NOW.timestamp)
        scripts["current"] = script
        client = AuthenticatedClient(
            base_url=base_url, token="key", headers={"X-Script": "current"}, clock=waits.clock()
        )
        try:
            if is_async:

                async def awaited() -> object:
                    async with client:
                        outcome = function(client=client, **arguments)
                        assert isinstance(outcome, Awaitable)
                        return await outcome

                result: object = anyio.run(awaited)
            else:
                with client:
                    result = function(client=client, **arguments)
        except errors.APIError as error:
            result = error
        return result, script, waits.waits

    return run


Run = Callable[..., tuple[object, Script, list[float]]]
RETRY_AFTER_DATE = format_datetime(NOW + timedelta(seconds=5), usegmt=True)


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "asyncio"])
def test_a_503_with_retry_after_is_retried_after_the_wait_it_asks_for(call: Run, is_async: bool) -> None:
    function = backups_snapshot.asyncio if is_async else backups_snapshot.sync

    result, script, waits = call(
        function, (503, {"Retry-After": "1"}), (503, {"Retry-After": "3"}), is_async=is_async
    )

    assert isinstance(result, Backups)
    assert script.attempts == 3
    assert waits == [1.0, 3.0]


@pytest.mark.parametrize(
    ("headers", "wait"),
    [
        ({"Retry-After": RETRY_AFTER_DATE}, 5.0),
        ({"Retry-After": format_datetime(NOW - timedelta(seconds=5), usegmt=True)}, 0.0),
        ({"retry-after-ms": "250", "Retry-After": "9"}, 0.25),
        ({"Retry-After": "60"}, 60.0),
    ],
    ids=["http-date", "date-in-the-past", "milliseconds-first", "at-the-cap"],
)
def test_every_form_of_retry_after_is_honoured(call: Run, headers: dict[str, str], wait: float) -> None:
    result, _, waits = call(backups_snapshot.sync, (429, headers))

    assert isinstance(result, Backups)
    assert waits == [wait]


@pytest.mark.parametrize("headers", [{"Retry-After": "61"}, {"retry-after-ms": "120000"}])
def test_a_wait_over_the_cap_is_not_waited_for(call: Run, headers: dict[str, str]) -> None:
    result, script, waits = call(backups_snapshot.sync, (503, headers))

    assert isinstance(result, errors.ServiceUnavailableError)
    assert (result.status_code, script.attempts, waits) == (503, 1, [])


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_transient_statuses_are_retried_with_backoff_until_the_retries_are_spent(
    call: Run, status: int
) -> None:
    result, script, waits = call(backups_snapshot.sync, (status, {}), (status, {}), (status, {}))

    assert isinstance(result, errors.APIStatusError)
    assert result.status_code == status
    assert script.attempts == 3
    assert len(waits) == 2
    assert in_backoff(waits)


@pytest.mark.parametrize("status", [400, 404, 410, 422, 501, 505, 511])
def test_other_statuses_are_never_retried(call: Run, status: int) -> None:
    result, script, waits = call(backups_snapshot.sync, (status, {}))

    assert isinstance(result, errors.APIStatusError)
    assert (result.status_code, script.attempts, waits) == (status, 1, [])


def test_the_server_decides_with_x_should_retry(call: Run) -> None:
    refused, not_again, _ = call(backups_snapshot.sync, (503, {"x-should-retry": "false"}))
    retried, again, _ = call(backups_snapshot.sync, (400, {"x-should-retry": "true"}))

    assert isinstance(refused, errors.ServiceUnavailableError)
    assert not_again.attempts == 1
    assert isinstance(retried, Backups)
    assert again.attempts == 2


def test_a_post_is_retried_only_with_its_idempotency_key(call: Run) -> None:
    created, create, _ = call(backups_create_new_backup.sync, (503, {}), (503, {}), (500, {}))
    deleted, delete, _ = call(backups_delete_specific_backup.sync, (503, {}), backup="1.0.0_1")

    assert isinstance(created, errors.InternalServerError)
    assert create.attempts == 3
    assert len(set(create.keys)) == 1
    assert create.keys[0] is not None
    assert isinstance(deleted, errors.ServiceUnavailableError)
    assert (delete.attempts, delete.keys) == (1, [None])


def test_each_call_may_set_its_own_retries(call: Run) -> None:
    never, once, _ = call(backups_snapshot.sync, (503, {}), max_retries=0)
    five, more, waits = call(backups_snapshot.sync, *[(503, {})] * 5, max_retries=5)

    assert isinstance(never, errors.ServiceUnavailableError)
    assert once.attempts == 1
    assert isinstance(five, Backups)
    assert more.attempts == 6
    assert in_backoff(waits)
    assert waits[-1] >= 6  # 8 s at most, less up to a quarter


def test_a_timeout_is_retried_then_raised_as_a_timeout_error(call: Run) -> None:
    result, script, waits = call(backups_snapshot.sync, (0, {}), (0, {}), (0, {}), timeout=0.2)

    assert isinstance(result, errors.APITimeoutError)
    assert isinstance(result, errors.APIConnectionError)
    assert isinstance(result.__cause__, httpx.TimeoutException)
    assert script.attempts == 3
    assert in_backoff(waits)


@pytest.mark.parametrize("is_async", [False, True], ids=["sync", "asyncio"])
def test_a_server_that_is_down_is_a_connection_error_once_the_retries_are_spent(
    is_async: bool, refusing_port: int
) -> None:
    waits = Waits(is_async, NOW.timestamp)
    url = f"http://127.0.0.1:{refusing_port}"
    client = AuthenticatedClient(base_url=url, token="key", clock=waits.clock())

    def call() -> object:
        if is_async:
            return anyio.run(lambda: backups_snapshot.asyncio(client=client))
        return backups_snapshot.sync(client=client)

    with pytest.raises(errors.APIConnectionError) as raised:
        call()

    assert not isinstance(raised.value, errors.APITimeoutError)
    assert isinstance(raised.value.__cause__, httpx.ConnectError)
    assert raised.value.request.url == f"{url}/backups"
    assert len(waits.waits) == 2
    assert in_backoff(waits.waits)


def test_each_retry_is_logged_with_its_reason_and_wait(call: Run, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="backups_api_client"):
        call(backups_snapshot.sync, (503, {"Retry-After": "2"}))

    (record,) = caplog.records
    assert record.name == "backups_api_client"
    assert record.getMessage().startswith("Retrying GET http://127.0.0.1:")
    assert record.getMessage().endswith("/backups in 2.00 s (retry 1 of 2) after 503 Service Unavailable")
