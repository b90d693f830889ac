"""The server's domain errors, one hierarchy: each says what a client is told and the status it answers.

A request that meets one answers `status` with `client_text()` (the app's one handler); a job that
ends with one fails with `client_text()` as its `failed` event's message. Errors whose details help
only the operator (a store that fails) tell the client a fixed text and leave the details to the log.
"""

from __future__ import annotations

import sqlite3
from typing import ClassVar


class ServerError(Exception):
    """The base of the server's own errors: the status the spec documents for it, and what to tell."""

    status: ClassVar[int] = 500
    headers: ClassVar[tuple[tuple[str, str], ...]] = ()
    """Headers of the answer beside the text."""

    def client_text(self) -> str:
        """What the client is told: the message, unless the class keeps its details for the log."""
        return str(self)


# --- Storage ---------------------------------------------------------------------------------------


class StoreError(ServerError):
    """The store could not carry out an operation (unreachable, refused, out of space...)."""

    def client_text(self) -> str:
        return "The backup store failed; see the server log"


class ObjectMissing(StoreError, LookupError):
    """There is no object with this name."""


class NotAManifest(StoreError):
    """An object named as a manifest that this server cannot read as one: damaged, sealed under
    another store's key, or not written by a server."""


class StoreRefused(StoreError):
    """The store as configured cannot be used: no such bucket, credentials refused or missing."""


class StoreTooNew(ServerError):
    """The store was written in a newer format than this server understands; it is left alone.

    A request answers the spec's 505 text, the upstream wording; a job tells what happened."""

    status = 505

    def client_text(self) -> str:
        return "The backup store was written by a newer version of this server"


class KeysRefused(ServerError):
    """The store's keys cannot be opened or changed as asked: a wrong passphrase or identity, none
    given, or the last wrapping of the master key about to go. The server does not start with it."""


# --- Backups and restorations ----------------------------------------------------------------------


class BackupNotFound(ServerError, LookupError):
    status = 404

    def __init__(self, backup_id: str, message: str | None = None) -> None:
        super().__init__(message or f"Backup {backup_id} was not found")
        self.backup_id = backup_id


class Failure(ServerError):
    """A backup or a restoration failed for a reason its message explains to the client as it is."""


class DatabaseCorrupt(Failure):
    def __init__(self, finding: str) -> None:
        super().__init__(f"The database is corrupt: {finding}")


class NoSpaceForSnapshot(Failure):
    def __init__(self, folder: object) -> None:
        super().__init__(f"No space left for the snapshot in {folder}")


class Stopping(Failure):
    """The server is shutting down: the job is abandoned before it is listed or committed."""

    TEXT = "The server is shutting down"

    def __init__(self) -> None:
        super().__init__(self.TEXT)


class RestoreError(Failure):
    """The backup cannot be restored there, or its data is damaged."""

    def client_text(self) -> str:
        return f"Not restored: {self}"


class Cancelled(ServerError):
    """The job was cancelled before its point of no return."""


# --- Requests --------------------------------------------------------------------------------------


class JobFailed(ServerError):
    """A job ended with a `failed` event, whose message is already fit for the client."""


class NothingToCancel(ServerError):
    status = 409


class StreamGone(ServerError):
    status = 410


class KeyReused(ServerError):
    """The Idempotency-Key was used with another request."""

    status = 422


class QueueFull(ServerError):
    """Too many jobs wait already."""

    status = 503
    headers = (("Retry-After", "1"),)

    def client_text(self) -> str:
        return "Too many backups and restorations are waiting; try again shortly"


def failure_text(error: BaseException) -> str:
    """What a client is told about a failure: short; the details of any other error are in the log."""
    if isinstance(error, ServerError):
        return error.client_text()
    if isinstance(error, sqlite3.Error):
        return "The database could not be snapshotted; see the server log"
    return "The backup failed; see the server log"
