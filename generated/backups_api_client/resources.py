"""The client object: ``BackupsClient`` and ``AsyncBackupsClient``, a resource per group of
operations and a method per operation, named for people (the spec's ``x-client-name``).

Each method calls the operation's module function (``backups_api_client.api``), with the same behaviour:
it returns the model of a documented success, raises the errors of ``backups_api_client.errors``, retries
what is safe to repeat, and a streamed operation's method returns its ``Stream`` (``AsyncStream``).
Path parameters are positional; the fields of a body, the other parameters and the call's options
(``timeout=``, ``max_retries=``, ``extra_headers=``) are keyword arguments.
"""

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Self, TypeVar

import httpx

from . import errors
from .api.backup import backup_restore_specific_backup as _backup_restore_specific_backup
from .api.backup import backup_restore_specific_backup_streamed as _backup_restore_specific_backup_streamed
from .api.backup import backup_specific_backup_snapshot as _backup_specific_backup_snapshot
from .api.backup import backup_specific_creation_cancel as _backup_specific_creation_cancel
from .api.backup import backup_specific_creation_status as _backup_specific_creation_status
from .api.backup import backup_specific_restoration_cancel as _backup_specific_restoration_cancel
from .api.backup import backup_specific_restoration_status as _backup_specific_restoration_status
from .api.backups import backups_create_new_backup as _backups_create_new_backup
from .api.backups import backups_create_new_backup_streamed as _backups_create_new_backup_streamed
from .api.backups import backups_delete_specific_backup as _backups_delete_specific_backup
from .api.backups import backups_snapshot as _backups_snapshot
from .api.well_known import get_metrics as _get_metrics
from .api.well_known import get_well_known_health as _get_well_known_health
from .client import DEFAULT_MAX_RECONNECTIONS, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, AuthenticatedClient, Client
from .models import (
    Backup,
    Backups,
    BackupStatus,
    BackupStreamedProgress,
    EmbeddedModelSchema,
    GroupedTimestamp,
    PlatformEnum,
    SeededBackup,
)
from .streaming import AsyncStream, Stream
from .types import UNSET, Unset

__all__ = ["AsyncBackupsClient", "BackupsClient"]

URL_VARIABLE = "BACKUPS_API_URL"
KEY_VARIABLE = "BACKUPS_API_KEY"
KEY_FILE_VARIABLE = "BACKUPS_API_KEY_FILE"
DEFAULT_BASE_URL = "http://localhost:1000"
"""Where the API is served when neither ``base_url=`` nor ``BACKUPS_API_URL`` says: its first server."""

Model = TypeVar("Model")


def _optional_body(model: Callable[..., Model], **fields: Any) -> Model | Unset:
    """The body built from the fields given, or UNSET when none is."""
    given = {name: value for name, value in fields.items() if not isinstance(value, Unset)}
    return model(**given) if given else UNSET


class _Connection:
    """What the sync and the async client objects share: the module functions' client, made from the
    arguments or the environment."""

    module_client: AuthenticatedClient | Client
    """The client of the module functions, with this object's settings and connections."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: httpx.Timeout | float | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_reconnections: int = DEFAULT_MAX_RECONNECTIONS,
        headers: Mapping[str, str] | None = None,
        httpx_args: Mapping[str, Any] | None = None,
    ) -> None:
        options: dict[str, Any] = {
            "base_url": base_url or os.environ.get(URL_VARIABLE) or DEFAULT_BASE_URL,
            "timeout": timeout,
            "max_retries": max_retries,
            "max_reconnections": max_reconnections,
            "headers": dict(headers or {}),
            "httpx_args": dict(httpx_args or {}),
        }
        key = api_key if api_key is not None else _key_from_environment()
        self._bind(Client(**options) if key is None else AuthenticatedClient(token=key, **options))

    def _bind(self, module_client: AuthenticatedClient | Client) -> None:
        self.module_client = module_client

    def with_options(
        self,
        *,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        max_reconnections: int | Unset = UNSET,
        headers: dict[str, str] | None = None,
    ) -> Self:
        """A new client object like this one, with the options given changed (headers are added); this one
        is unchanged. The new one opens connections of its own."""
        changed = self.module_client.with_options(
            timeout=timeout, max_retries=max_retries, max_reconnections=max_reconnections, headers=headers
        )
        copy = object.__new__(type(self))
        copy._bind(changed)
        return copy

    def _authenticated(self) -> AuthenticatedClient:
        if isinstance(self.module_client, AuthenticatedClient):
            return self.module_client
        raise errors.MissingAPIKeyError(
            f"This operation needs an API key: pass api_key=..., or set {KEY_VARIABLE} or {KEY_FILE_VARIABLE}"
        )


def _key_from_environment() -> str | None:
    """The API key from the file ``BACKUPS_API_KEY_FILE`` names (its first line), else from ``BACKUPS_API_KEY``,
    as the command line reads it."""
    path = os.environ.get(KEY_FILE_VARIABLE)
    if path:
        return next(iter(Path(path).read_text(encoding="utf-8").splitlines()), "").strip()
    key = os.environ.get(KEY_VARIABLE)
    return key.strip() if key is not None else None


class BackupsResource:
    """``client.backups``: ``list()``, ``create()``, ``create_streamed()``, ``delete()``, ``get()``,
    ``restore()``, ``restore_streamed()``, ``creation_status()``, ``cancel_creation()``,
    ``restoration_status()``, ``cancel_restoration()``."""

    def __init__(self, client: "BackupsClient") -> None:
        self._client = client

    def list(
        self,
        *,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Backups:
        """Lists every backup that is completely stored in the cloud, newest first.

        ``backups_snapshot.sync()`` of ``backups_api_client.api.backups``.
        """
        return _backups_snapshot.sync(
            client=self._client._authenticated(),
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    def create(
        self,
        *,
        schema: EmbeddedModelSchema | None | Unset = UNSET,
        idempotency_key: str | Unset = UNSET,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Backup:
        """Takes a consistent snapshot of the local database and stores it in the cloud, then answers
        with the finished backup.

        ``backups_create_new_backup.sync()`` of ``backups_api_client.api.backups``.
        """
        return _backups_create_new_backup.sync(
            client=self._client._authenticated(),
            body=_optional_body(
                SeededBackup,
                schema=schema,
            ),
            idempotency_key=idempotency_key,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    def create_streamed(
        self,
        *,
        schema: EmbeddedModelSchema | None | Unset = UNSET,
        idempotency_key: str | Unset = UNSET,
        last_event_id: str | Unset = UNSET,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Stream[BackupStreamedProgress]:
        """Takes a backup of the local database, reporting its progress while it runs.

        ``backups_create_new_backup_streamed.stream()`` of ``backups_api_client.api.backups`` (a stream of events: use it in `with`).
        """
        return _backups_create_new_backup_streamed.stream(
            client=self._client._authenticated(),
            body=_optional_body(
                SeededBackup,
                schema=schema,
            ),
            idempotency_key=idempotency_key,
            last_event_id=last_event_id,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    def delete(
        self,
        backup: str,
        *,
        id: str | Unset = UNSET,
        version: str | Unset = UNSET,
        timestamp: str | Unset = UNSET,
        bytes_: float | Unset = UNSET,
        created: GroupedTimestamp | Unset = UNSET,
        device_name: str | Unset = UNSET,
        platform: PlatformEnum | Unset = UNSET,
        schema: EmbeddedModelSchema | None | Unset = UNSET,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> None:
        """Deletes one backup from the cloud.

        ``backups_delete_specific_backup.sync()`` of ``backups_api_client.api.backups``.
        """
        _backups_delete_specific_backup.sync(
            backup=backup,
            client=self._client._authenticated(),
            body=_optional_body(
                Backup,
                id=id,
                version=version,
                timestamp=timestamp,
                bytes_=bytes_,
                created=created,
                device_name=device_name,
                platform=platform,
                schema=schema,
            ),
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    def get(
        self,
        backup: str,
        *,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Backup:
        """This will just get the metadata associated with a specific backup.

        ``backup_specific_backup_snapshot.sync()`` of ``backups_api_client.api.backup``.
        """
        return _backup_specific_backup_snapshot.sync(
            backup=backup,
            client=self._client._authenticated(),
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    def restore(
        self,
        backup: str,
        *,
        id: str | Unset = UNSET,
        version: str | Unset = UNSET,
        timestamp: str | Unset = UNSET,
        bytes_: float | Unset = UNSET,
        created: GroupedTimestamp | Unset = UNSET,
        device_name: str | Unset = UNSET,
        platform: PlatformEnum | Unset = UNSET,
        schema: EmbeddedModelSchema | None | Unset = UNSET,
        idempotency_key: str | Unset = UNSET,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Backup:
        """Restores a backup into the local database, while it is in use, then answers with the
        restored backup.

        ``backup_restore_specific_backup.sync()`` of ``backups_api_client.api.backup``.
        """
        return _backup_restore_specific_backup.sync(
            backup=backup,
            client=self._client._authenticated(),
            body=_optional_body(
                Backup,
                id=id,
                version=version,
                timestamp=timestamp,
                bytes_=bytes_,
                created=created,
                device_name=device_name,
                platform=platform,
                schema=schema,
            ),
            idempotency_key=idempotency_key,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    def restore_streamed(
        self,
        backup: str,
        *,
        id: str | Unset = UNSET,
        version: str | Unset = UNSET,
        timestamp: str | Unset = UNSET,
        bytes_: float | Unset = UNSET,
        created: GroupedTimestamp | Unset = UNSET,
        device_name: str | Unset = UNSET,
        platform: PlatformEnum | Unset = UNSET,
        schema: EmbeddedModelSchema | None | Unset = UNSET,
        idempotency_key: str | Unset = UNSET,
        last_event_id: str | Unset = UNSET,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Stream[BackupStreamedProgress]:
        """Restores a backup into the local database, reporting its progress while it runs.

        ``backup_restore_specific_backup_streamed.stream()`` of ``backups_api_client.api.backup`` (a stream of events: use it in `with`).
        """
        return _backup_restore_specific_backup_streamed.stream(
            backup=backup,
            client=self._client._authenticated(),
            body=_optional_body(
                Backup,
                id=id,
                version=version,
                timestamp=timestamp,
                bytes_=bytes_,
                created=created,
                device_name=device_name,
                platform=platform,
                schema=schema,
            ),
            idempotency_key=idempotency_key,
            last_event_id=last_event_id,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    def creation_status(
        self,
        backup: str,
        *,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> BackupStatus:
        """The state of the creation of a backup.

        ``backup_specific_creation_status.sync()`` of ``backups_api_client.api.backup``.
        """
        return _backup_specific_creation_status.sync(
            backup=backup,
            client=self._client._authenticated(),
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    def cancel_creation(
        self,
        backup: str,
        *,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> None:
        """Cancels the creation of a backup, waiting or running.

        ``backup_specific_creation_cancel.sync()`` of ``backups_api_client.api.backup``.
        """
        _backup_specific_creation_cancel.sync(
            backup=backup,
            client=self._client._authenticated(),
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    def restoration_status(
        self,
        backup: str,
        *,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> BackupStatus:
        """The state of the latest restoration of a backup.

        ``backup_specific_restoration_status.sync()`` of ``backups_api_client.api.backup``.
        """
        return _backup_specific_restoration_status.sync(
            backup=backup,
            client=self._client._authenticated(),
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    def cancel_restoration(
        self,
        backup: str,
        *,
        id: str | Unset = UNSET,
        version: str | Unset = UNSET,
        timestamp: str | Unset = UNSET,
        bytes_: float | Unset = UNSET,
        created: GroupedTimestamp | Unset = UNSET,
        device_name: str | Unset = UNSET,
        platform: PlatformEnum | Unset = UNSET,
        schema: EmbeddedModelSchema | None | Unset = UNSET,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> None:
        """Cancels the latest restoration of a backup, waiting or running, until the replacement
        commits.

        ``backup_specific_restoration_cancel.sync()`` of ``backups_api_client.api.backup``.
        """
        _backup_specific_restoration_cancel.sync(
            backup=backup,
            client=self._client._authenticated(),
            body=_optional_body(
                Backup,
                id=id,
                version=version,
                timestamp=timestamp,
                bytes_=bytes_,
                created=created,
                device_name=device_name,
                platform=platform,
                schema=schema,
            ),
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )


class BackupsClient(_Connection):
    """Backups API: ``.backups``, ``.health()``, ``.metrics()``.

    Settings come from the arguments, else the environment: ``base_url`` from ``BACKUPS_API_URL`` (else
    ``http://localhost:1000``), ``api_key`` from the file ``BACKUPS_API_KEY_FILE`` names or from ``BACKUPS_API_KEY``; an operation
    that needs a key raises ``errors.MissingAPIKeyError`` when there is none. ``timeout``, ``max_retries``,
    ``max_reconnections``, ``headers`` and ``httpx_args`` are those of ``backups_api_client.client.Client``.
    Use it in `with`, or call `close()`, to close its connections.
    """

    def _bind(self, module_client: AuthenticatedClient | Client) -> None:
        super()._bind(module_client)
        self.backups = BackupsResource(self)

    def health(
        self,
        *,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> str:
        """Answers `ok` once the server is ready to take requests.

        ``get_well_known_health.sync()`` of ``backups_api_client.api.well_known``.
        """
        return _get_well_known_health.sync(
            client=self.module_client,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    def metrics(
        self,
        *,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> str:
        """The server's metrics, in Prometheus' text format.

        ``get_metrics.sync()`` of ``backups_api_client.api.well_known``.
        """
        return _get_metrics.sync(
            client=self._authenticated(),
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    def close(self) -> None:
        """Close the connections."""
        self.module_client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()


class AsyncBackupsResource:
    """``client.backups``: ``list()``, ``create()``, ``create_streamed()``, ``delete()``, ``get()``,
    ``restore()``, ``restore_streamed()``, ``creation_status()``, ``cancel_creation()``,
    ``restoration_status()``, ``cancel_restoration()``."""

    def __init__(self, client: "AsyncBackupsClient") -> None:
        self._client = client

    async def list(
        self,
        *,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Backups:
        """Lists every backup that is completely stored in the cloud, newest first.

        ``backups_snapshot.asyncio()`` of ``backups_api_client.api.backups``.
        """
        return await _backups_snapshot.asyncio(
            client=self._client._authenticated(),
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    async def create(
        self,
        *,
        schema: EmbeddedModelSchema | None | Unset = UNSET,
        idempotency_key: str | Unset = UNSET,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Backup:
        """Takes a consistent snapshot of the local database and stores it in the cloud, then answers
        with the finished backup.

        ``backups_create_new_backup.asyncio()`` of ``backups_api_client.api.backups``.
        """
        return await _backups_create_new_backup.asyncio(
            client=self._client._authenticated(),
            body=_optional_body(
                SeededBackup,
                schema=schema,
            ),
            idempotency_key=idempotency_key,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    def create_streamed(
        self,
        *,
        schema: EmbeddedModelSchema | None | Unset = UNSET,
        idempotency_key: str | Unset = UNSET,
        last_event_id: str | Unset = UNSET,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncStream[BackupStreamedProgress]:
        """Takes a backup of the local database, reporting its progress while it runs.

        ``backups_create_new_backup_streamed.astream()`` of ``backups_api_client.api.backups`` (a stream of events: use it in `async with`).
        """
        return _backups_create_new_backup_streamed.astream(
            client=self._client._authenticated(),
            body=_optional_body(
                SeededBackup,
                schema=schema,
            ),
            idempotency_key=idempotency_key,
            last_event_id=last_event_id,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    async def delete(
        self,
        backup: str,
        *,
        id: str | Unset = UNSET,
        version: str | Unset = UNSET,
        timestamp: str | Unset = UNSET,
        bytes_: float | Unset = UNSET,
        created: GroupedTimestamp | Unset = UNSET,
        device_name: str | Unset = UNSET,
        platform: PlatformEnum | Unset = UNSET,
        schema: EmbeddedModelSchema | None | Unset = UNSET,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> None:
        """Deletes one backup from the cloud.

        ``backups_delete_specific_backup.asyncio()`` of ``backups_api_client.api.backups``.
        """
        await _backups_delete_specific_backup.asyncio(
            backup=backup,
            client=self._client._authenticated(),
            body=_optional_body(
                Backup,
                id=id,
                version=version,
                timestamp=timestamp,
                bytes_=bytes_,
                created=created,
                device_name=device_name,
                platform=platform,
                schema=schema,
            ),
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    async def get(
        self,
        backup: str,
        *,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Backup:
        """This will just get the metadata associated with a specific backup.

        ``backup_specific_backup_snapshot.asyncio()`` of ``backups_api_client.api.backup``.
        """
        return await _backup_specific_backup_snapshot.asyncio(
            backup=backup,
            client=self._client._authenticated(),
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    async def restore(
        self,
        backup: str,
        *,
        id: str | Unset = UNSET,
        version: str | Unset = UNSET,
        timestamp: str | Unset = UNSET,
        bytes_: float | Unset = UNSET,
        created: GroupedTimestamp | Unset = UNSET,
        device_name: str | Unset = UNSET,
        platform: PlatformEnum | Unset = UNSET,
        schema: EmbeddedModelSchema | None | Unset = UNSET,
        idempotency_key: str | Unset = UNSET,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Backup:
        """Restores a backup into the local database, while it is in use, then answers with the
        restored backup.

        ``backup_restore_specific_backup.asyncio()`` of ``backups_api_client.api.backup``.
        """
        return await _backup_restore_specific_backup.asyncio(
            backup=backup,
            client=self._client._authenticated(),
            body=_optional_body(
                Backup,
                id=id,
                version=version,
                timestamp=timestamp,
                bytes_=bytes_,
                created=created,
                device_name=device_name,
                platform=platform,
                schema=schema,
            ),
            idempotency_key=idempotency_key,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    def restore_streamed(
        self,
        backup: str,
        *,
        id: str | Unset = UNSET,
        version: str | Unset = UNSET,
        timestamp: str | Unset = UNSET,
        bytes_: float | Unset = UNSET,
        created: GroupedTimestamp | Unset = UNSET,
        device_name: str | Unset = UNSET,
        platform: PlatformEnum | Unset = UNSET,
        schema: EmbeddedModelSchema | None | Unset = UNSET,
        idempotency_key: str | Unset = UNSET,
        last_event_id: str | Unset = UNSET,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> AsyncStream[BackupStreamedProgress]:
        """Restores a backup into the local database, reporting its progress while it runs.

        ``backup_restore_specific_backup_streamed.astream()`` of ``backups_api_client.api.backup`` (a stream of events: use it in `async with`).
        """
        return _backup_restore_specific_backup_streamed.astream(
            backup=backup,
            client=self._client._authenticated(),
            body=_optional_body(
                Backup,
                id=id,
                version=version,
                timestamp=timestamp,
                bytes_=bytes_,
                created=created,
                device_name=device_name,
                platform=platform,
                schema=schema,
            ),
            idempotency_key=idempotency_key,
            last_event_id=last_event_id,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    async def creation_status(
        self,
        backup: str,
        *,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> BackupStatus:
        """The state of the creation of a backup.

        ``backup_specific_creation_status.asyncio()`` of ``backups_api_client.api.backup``.
        """
        return await _backup_specific_creation_status.asyncio(
            backup=backup,
            client=self._client._authenticated(),
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    async def cancel_creation(
        self,
        backup: str,
        *,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> None:
        """Cancels the creation of a backup, waiting or running.

        ``backup_specific_creation_cancel.asyncio()`` of ``backups_api_client.api.backup``.
        """
        await _backup_specific_creation_cancel.asyncio(
            backup=backup,
            client=self._client._authenticated(),
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    async def restoration_status(
        self,
        backup: str,
        *,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> BackupStatus:
        """The state of the latest restoration of a backup.

        ``backup_specific_restoration_status.asyncio()`` of ``backups_api_client.api.backup``.
        """
        return await _backup_specific_restoration_status.asyncio(
            backup=backup,
            client=self._client._authenticated(),
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    async def cancel_restoration(
        self,
        backup: str,
        *,
        id: str | Unset = UNSET,
        version: str | Unset = UNSET,
        timestamp: str | Unset = UNSET,
        bytes_: float | Unset = UNSET,
        created: GroupedTimestamp | Unset = UNSET,
        device_name: str | Unset = UNSET,
        platform: PlatformEnum | Unset = UNSET,
        schema: EmbeddedModelSchema | None | Unset = UNSET,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> None:
        """Cancels the latest restoration of a backup, waiting or running, until the replacement
        commits.

        ``backup_specific_restoration_cancel.asyncio()`` of ``backups_api_client.api.backup``.
        """
        await _backup_specific_restoration_cancel.asyncio(
            backup=backup,
            client=self._client._authenticated(),
            body=_optional_body(
                Backup,
                id=id,
                version=version,
                timestamp=timestamp,
                bytes_=bytes_,
                created=created,
                device_name=device_name,
                platform=platform,
                schema=schema,
            ),
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )


class AsyncBackupsClient(_Connection):
    """Backups API (async): ``.backups``, ``.health()``, ``.metrics()``.

    Settings come from the arguments, else the environment: ``base_url`` from ``BACKUPS_API_URL`` (else
    ``http://localhost:1000``), ``api_key`` from the file ``BACKUPS_API_KEY_FILE`` names or from ``BACKUPS_API_KEY``; an operation
    that needs a key raises ``errors.MissingAPIKeyError`` when there is none. ``timeout``, ``max_retries``,
    ``max_reconnections``, ``headers`` and ``httpx_args`` are those of ``backups_api_client.client.Client``.
    Use it in `async with`, or call `aclose()`, to close its connections.
    """

    def _bind(self, module_client: AuthenticatedClient | Client) -> None:
        super()._bind(module_client)
        self.backups = AsyncBackupsResource(self)

    async def health(
        self,
        *,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> str:
        """Answers `ok` once the server is ready to take requests.

        ``get_well_known_health.asyncio()`` of ``backups_api_client.api.well_known``.
        """
        return await _get_well_known_health.asyncio(
            client=self.module_client,
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    async def metrics(
        self,
        *,
        timeout: httpx.Timeout | float | None | Unset = UNSET,
        max_retries: int | Unset = UNSET,
        extra_headers: Mapping[str, str] | None = None,
    ) -> str:
        """The server's metrics, in Prometheus' text format.

        ``get_metrics.asyncio()`` of ``backups_api_client.api.well_known``.
        """
        return await _get_metrics.asyncio(
            client=self._authenticated(),
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
        )

    async def aclose(self) -> None:
        """Close the connections."""
        await self.module_client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.aclose()
