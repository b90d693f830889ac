"""The command line ``backups-api``: a command per operation, named as the client object names its method
(``client.backups.list()`` is ``backups-api backups list``).

It needs the packages of the ``cli`` extra: ``pip install 'backups-api-client[cli]'``. ``backups-api --help``
lists the commands; the package README ("Command line") says how they are named, their settings and exit codes.
"""

import sys

from .. import __version__, models
from ..api.backup import backup_restore_specific_backup as _backup_restore_specific_backup
from ..api.backup import backup_restore_specific_backup_streamed as _backup_restore_specific_backup_streamed
from ..api.backup import backup_specific_backup_snapshot as _backup_specific_backup_snapshot
from ..api.backup import backup_specific_creation_cancel as _backup_specific_creation_cancel
from ..api.backup import backup_specific_creation_status as _backup_specific_creation_status
from ..api.backup import backup_specific_restoration_cancel as _backup_specific_restoration_cancel
from ..api.backup import backup_specific_restoration_status as _backup_specific_restoration_status
from ..api.backups import backups_create_new_backup as _backups_create_new_backup
from ..api.backups import backups_create_new_backup_streamed as _backups_create_new_backup_streamed
from ..api.backups import backups_delete_specific_backup as _backups_delete_specific_backup
from ..api.backups import backups_snapshot as _backups_snapshot
from ..api.well_known import get_metrics as _get_metrics
from ..api.well_known import get_well_known_health as _get_well_known_health
from ._definitions import Body, Command, CommandLine, Group, Operation, Option, Progress

OPERATIONS = {
    "get_well_known_health": Operation(
        call=_get_well_known_health.sync,
        request="GET /.well-known/health",
        summary="Answers `ok` once the server is ready to take requests.",
        description="Answers `ok` once the server is ready to take requests. Needs no authentication.",
    ),
    "get_metrics": Operation(
        call=_get_metrics.sync,
        request="GET /metrics",
        summary="The server's metrics, in Prometheus' text format.",
        description=(
            "The server's metrics, in Prometheus' text format. For a monitoring system to scrape: jobs\n"
            "started, completed and failed by kind, their durations, the bytes backups read from the\n"
            "database and added to the store, the time of the last successful backup, the jobs waiting\n"
            "and running, the backups listed, failures of the store, and the next scheduled backup.\n"
            "Needs the API key, unless the server is told otherwise (`--metrics-access open`, which its\n"
            "served document then says)."
        ),
    ),
    "backups_snapshot": Operation(
        call=_backups_snapshot.sync,
        request="GET /backups",
        summary="Lists every backup that is completely stored in the cloud, newest first.",
        description=(
            "Lists every backup that is completely stored in the cloud, newest first. A backup that\n"
            "is still being written, or whose writing was interrupted, is never listed."
        ),
    ),
    "backups_create_new_backup": Operation(
        call=_backups_create_new_backup.sync,
        request="POST /backups/create",
        summary="Takes a consistent snapshot of the local database and stores it in the cloud, then answers with the finished backup.",
        description=(
            "Takes a consistent snapshot of the local database and stores it in the cloud, then\n"
            "answers with the finished backup. The backup is listed only once it is completely stored.\n"
            "\n"
            "Creations and restorations of the database run one at a time, in the order they\n"
            "arrived; a request that finds the queue full is a 503. A backup's id and timestamp are\n"
            "given when its request arrives, and the `Content-Location` of the answer names it\n"
            "(`/backup/{id}`); its snapshot is taken when its turn comes.\n"
            "\n"
            "With an `Idempotency-Key`, repeating the request is safe: the repeat answers with the\n"
            "backup the first request made (waiting for it if it is still running), never a second one."
        ),
        options=(
            Option(
                "idempotency_key",
                "idempotency-key",
                "header",
                help="Makes the request safe to repeat, as the IETF httpapi Idempotency-Key draft describes: a request that repeats a key used with the same API key in the last 24 hours gets the answer of the first request, and starts nothing new. Use a fresh, unguessable value (a UUID) for each new request, and the same one for its repeats; the quotes of the draft's string form are optional. A key already used for another request is a 422: another body (no body and `{}` are the same), another backup, or another kind of job; the streamed and the plain variant of an operation make the same request.",
            ),
        ),
        body=Body(
            models.SeededBackup.from_dict,
            required=False,
            fields=(
                Option(
                    "schema",
                    "schema",
                    "body",
                    help="The schema version this object was written with.",
                    kind="json",
                ),
            ),
        ),
    ),
    "backups_create_new_backup_streamed": Operation(
        call=_backups_create_new_backup_streamed.sync,
        request="POST /backups/create/streamed",
        summary="Takes a backup of the local database, reporting its progress while it runs.",
        description=(
            "Takes a backup of the local database, reporting its progress while it runs. It is the\n"
            "streamed version of /backups/create.\n"
            "\n"
            "With `Accept: text/event-stream` the progress arrives as Server-Sent Events: each\n"
            "event's `data` is one BackupStreamedProgress; the event types are `progress`,\n"
            "`completed` and `failed`, and every stream ends with exactly one `completed` or\n"
            "`failed` event. A `: keep-alive` comment is sent whenever nothing else was sent for a\n"
            "few seconds. With any other `Accept`, the answer is one BackupStreamedProgress holding\n"
            "the final state. Validation, authentication and version errors are answered before the\n"
            "stream starts, with ordinary status codes.\n"
            "\n"
            "If the client disconnects while the stream runs, the backup still completes and is\n"
            "listed.\n"
            "\n"
            "As with /backups/create, creations and restorations run one at a time, in the order\n"
            "they arrived. The `Content-Location` header names the backup (`/backup/{id}`) from the\n"
            "first moment, so a client can ask for the status of its creation, or cancel it, while\n"
            "the stream runs; a cancelled creation ends with a `failed` event whose status is\n"
            "CANCELED.\n"
            "\n"
            "With an `Idempotency-Key`, repeating the request is safe: the repeat follows the job the\n"
            "first request started, never a second backup. The events' ids are the job's sequence\n"
            "numbers, and the stream starts with a `retry:` field (the milliseconds a client should\n"
            "wait before reconnecting). A client whose connection broke sends the request again with\n"
            "the same key and `Last-Event-ID`: it gets the events after that id, then the live ones, so\n"
            "it sees one sequence with no gap and no duplicate. Every event is kept while the job runs\n"
            "and for a minute after it ends; after that, a job's stream is its terminal event alone."
        ),
        options=(
            Option(
                "idempotency_key",
                "idempotency-key",
                "header",
                help="Makes the request safe to repeat, as the IETF httpapi Idempotency-Key draft describes: a request that repeats a key used with the same API key in the last 24 hours gets the answer of the first request, and starts nothing new. Use a fresh, unguessable value (a UUID) for each new request, and the same one for its repeats; the quotes of the draft's string form are optional. A key already used for another request is a 422: another body (no body and `{}` are the same), another backup, or another kind of job; the streamed and the plain variant of an operation make the same request.",
            ),
            Option(
                "last_event_id",
                "last-event-id",
                "header",
                help="Resumes an event stream after the event with this id, as a Server-Sent Events client does when it reconnects, with the `Idempotency-Key` of the request that started the stream. Without a key, or with `Accept: application/json`, it changes nothing.",
            ),
        ),
        body=Body(
            models.SeededBackup.from_dict,
            required=False,
            fields=(
                Option(
                    "schema",
                    "schema",
                    "body",
                    help="The schema version this object was written with.",
                    kind="json",
                ),
            ),
        ),
        stream=_backups_create_new_backup_streamed.stream,
        progress=Progress(
            percentage="percentage",
            done_bytes="processed_bytes",
            total_bytes="total_bytes",
        ),
    ),
    "backups_delete_specific_backup": Operation(
        call=_backups_delete_specific_backup.sync,
        request="POST /backups/{backup}/delete",
        summary="Deletes one backup from the cloud.",
        description=(
            "Deletes one backup from the cloud. The backup stops being listed before its data is\n"
            "removed, so an interrupted delete never leaves a broken backup listed. The optional\n"
            "body is accepted for compatibility with existing clients; the path alone names the\n"
            "backup."
        ),
        options=(
            Option(
                "backup",
                "backup",
                "path",
                help="This is a identifier that is used to identify a specific backup (version_timestamp). Letters, digits, `_`, `-` and single dots between them; at most 128 characters.",
                required=True,
            ),
        ),
        body=Body(
            models.Backup.from_dict,
            required=False,
            fields=(
                Option(
                    "id",
                    "id",
                    "body",
                    help="Identifies the backup (version_timestamp); use it in /backups/{backup}/delete.",
                    required=True,
                ),
                Option(
                    "version",
                    "version",
                    "body",
                    help="The version of the software that took the backup.",
                    required=True,
                ),
                Option(
                    "timestamp",
                    "timestamp",
                    "body",
                    help="When the backup was taken, in microseconds since the Unix epoch, as a string.",
                    required=True,
                ),
                Option(
                    "bytes",
                    "bytes",
                    "body",
                    help="Size of the backed-up database in bytes (the uncompressed snapshot, not the stored object).",
                    kind="number",
                    required=True,
                ),
                Option(
                    "created",
                    "created",
                    "body",
                    help="A moment in time, with a form for people to read.",
                    kind="json",
                    required=True,
                ),
                Option(
                    "device_name",
                    "device-name",
                    "body",
                    help="The name of the machine the backup was taken on.",
                    required=True,
                ),
                Option(
                    "platform",
                    "platform",
                    "body",
                    help="The operating system a backup was taken on.",
                    choices=(
                        "WEB",
                        "MACOS",
                        "LINUX",
                        "WINDOWS",
                        "FUCHSIA",
                        "IOS",
                        "ANDROID",
                        "UNKNOWN",
                    ),
                    required=True,
                ),
                Option(
                    "schema",
                    "schema",
                    "body",
                    help="The schema version this object was written with.",
                    kind="json",
                ),
            ),
        ),
    ),
    "backup_specific_backup_snapshot": Operation(
        call=_backup_specific_backup_snapshot.sync,
        request="GET /backup/{backup}",
        summary="This will just get the metadata associated with a specific backup.",
        description=(
            "This will just get the metadata associated with a specific backup. It is the backup as\n"
            "listed by /backups, once it is completely stored."
        ),
        options=(
            Option(
                "backup",
                "backup",
                "path",
                help="This is a identifier that is used to identify a specific backup (version_timestamp). Letters, digits, `_`, `-` and single dots between them; at most 128 characters.",
                required=True,
            ),
        ),
    ),
    "backup_restore_specific_backup": Operation(
        call=_backup_restore_specific_backup.sync,
        request="POST /backup/{backup}/restore",
        summary="Restores a backup into the local database, while it is in use, then answers with the restored backup.",
        description=(
            "Restores a backup into the local database, while it is in use, then answers with the\n"
            "restored backup.\n"
            "\n"
            "The backup is downloaded and verified (its checksum, its size, and SQLite's\n"
            "`quick_check`, as when it was taken) before anything is replaced, and a copy of the database as it is when\n"
            "the restoration starts is kept beside it (`DATABASE.before-restore`, the last one only).\n"
            "The backup then replaces the database's content online, with SQLite's backup API, in one\n"
            "transaction: a connection open on the database sees the old content or the new one, never\n"
            "a mix, and needs no reopening; the database keeps its journal mode. A backup that fails a\n"
            "check is refused with a 500, and the database is left as it was.\n"
            "\n"
            "Creations and restorations of the database run one at a time, in the order they arrived;\n"
            "the `Content-Location` of the answer names the backup. The optional body is accepted for\n"
            "compatibility with existing clients; the path alone names the backup. With an\n"
            "`Idempotency-Key`, repeating the request is safe: the repeat answers with the outcome of\n"
            "the first one, never a second restoration."
        ),
        options=(
            Option(
                "backup",
                "backup",
                "path",
                help="This is a identifier that is used to identify a specific backup (version_timestamp). Letters, digits, `_`, `-` and single dots between them; at most 128 characters.",
                required=True,
            ),
            Option(
                "idempotency_key",
                "idempotency-key",
                "header",
                help="Makes the request safe to repeat, as the IETF httpapi Idempotency-Key draft describes: a request that repeats a key used with the same API key in the last 24 hours gets the answer of the first request, and starts nothing new. Use a fresh, unguessable value (a UUID) for each new request, and the same one for its repeats; the quotes of the draft's string form are optional. A key already used for another request is a 422: another body (no body and `{}` are the same), another backup, or another kind of job; the streamed and the plain variant of an operation make the same request.",
            ),
        ),
        body=Body(
            models.Backup.from_dict,
            required=False,
            fields=(
                Option(
                    "id",
                    "id",
                    "body",
                    help="Identifies the backup (version_timestamp); use it in /backups/{backup}/delete.",
                    required=True,
                ),
                Option(
                    "version",
                    "version",
                    "body",
                    help="The version of the software that took the backup.",
                    required=True,
                ),
                Option(
                    "timestamp",
                    "timestamp",
                    "body",
                    help="When the backup was taken, in microseconds since the Unix epoch, as a string.",
                    required=True,
                ),
                Option(
                    "bytes",
                    "bytes",
                    "body",
                    help="Size of the backed-up database in bytes (the uncompressed snapshot, not the stored object).",
                    kind="number",
                    required=True,
                ),
                Option(
                    "created",
                    "created",
                    "body",
                    help="A moment in time, with a form for people to read.",
                    kind="json",
                    required=True,
                ),
                Option(
                    "device_name",
                    "device-name",
                    "body",
                    help="The name of the machine the backup was taken on.",
                    required=True,
                ),
                Option(
                    "platform",
                    "platform",
                    "body",
                    help="The operating system a backup was taken on.",
                    choices=(
                        "WEB",
                        "MACOS",
                        "LINUX",
                        "WINDOWS",
                        "FUCHSIA",
                        "IOS",
                        "ANDROID",
                        "UNKNOWN",
                    ),
                    required=True,
                ),
                Option(
                    "schema",
                    "schema",
                    "body",
                    help="The schema version this object was written with.",
                    kind="json",
                ),
            ),
        ),
    ),
    "backup_restore_specific_backup_streamed": Operation(
        call=_backup_restore_specific_backup_streamed.sync,
        request="POST /backup/{backup}/restore/streamed",
        summary="Restores a backup into the local database, reporting its progress while it runs.",
        description=(
            "Restores a backup into the local database, reporting its progress while it runs. It is the\n"
            "streamed version of /backup/{backup}/restore. The download of the backup, the copy of\n"
            "the database as it is, and the replacement run side by side, and count for a quarter, a\n"
            "quarter and a half of the percentage; the replacement commits only once the backup has\n"
            "passed its checks, SQLite's `quick_check` included.\n"
            "\n"
            "With `Accept: text/event-stream` the progress arrives as Server-Sent Events, under the\n"
            "same contract as /backups/create/streamed: each event's `data` is one\n"
            "BackupStreamedProgress, the event types are `progress`, `completed` and `failed`, every\n"
            "stream ends with exactly one `completed` or `failed` event, keep-alive comments fill the\n"
            "silences, and with the same `Idempotency-Key` and `Last-Event-ID` a broken stream resumes\n"
            "after its last event. The `completed` event carries the restored backup; a `failed` one,\n"
            "why (with status CANCELED when the restoration was cancelled). With any other `Accept`,\n"
            "the answer is one BackupStreamedProgress holding the final state."
        ),
        options=(
            Option(
                "backup",
                "backup",
                "path",
                help="This is a identifier that is used to identify a specific backup (version_timestamp). Letters, digits, `_`, `-` and single dots between them; at most 128 characters.",
                required=True,
            ),
            Option(
                "idempotency_key",
                "idempotency-key",
                "header",
                help="Makes the request safe to repeat, as the IETF httpapi Idempotency-Key draft describes: a request that repeats a key used with the same API key in the last 24 hours gets the answer of the first request, and starts nothing new. Use a fresh, unguessable value (a UUID) for each new request, and the same one for its repeats; the quotes of the draft's string form are optional. A key already used for another request is a 422: another body (no body and `{}` are the same), another backup, or another kind of job; the streamed and the plain variant of an operation make the same request.",
            ),
            Option(
                "last_event_id",
                "last-event-id",
                "header",
                help="Resumes an event stream after the event with this id, as a Server-Sent Events client does when it reconnects, with the `Idempotency-Key` of the request that started the stream. Without a key, or with `Accept: application/json`, it changes nothing.",
            ),
        ),
        body=Body(
            models.Backup.from_dict,
            required=False,
            fields=(
                Option(
                    "id",
                    "id",
                    "body",
                    help="Identifies the backup (version_timestamp); use it in /backups/{backup}/delete.",
                    required=True,
                ),
                Option(
                    "version",
                    "version",
                    "body",
                    help="The version of the software that took the backup.",
                    required=True,
                ),
                Option(
                    "timestamp",
                    "timestamp",
                    "body",
                    help="When the backup was taken, in microseconds since the Unix epoch, as a string.",
                    required=True,
                ),
                Option(
                    "bytes",
                    "bytes",
                    "body",
                    help="Size of the backed-up database in bytes (the uncompressed snapshot, not the stored object).",
                    kind="number",
                    required=True,
                ),
                Option(
                    "created",
                    "created",
                    "body",
                    help="A moment in time, with a form for people to read.",
                    kind="json",
                    required=True,
                ),
                Option(
                    "device_name",
                    "device-name",
                    "body",
                    help="The name of the machine the backup was taken on.",
                    required=True,
                ),
                Option(
                    "platform",
                    "platform",
                    "body",
                    help="The operating system a backup was taken on.",
                    choices=(
                        "WEB",
                        "MACOS",
                        "LINUX",
                        "WINDOWS",
                        "FUCHSIA",
                        "IOS",
                        "ANDROID",
                        "UNKNOWN",
                    ),
                    required=True,
                ),
                Option(
                    "schema",
                    "schema",
                    "body",
                    help="The schema version this object was written with.",
                    kind="json",
                ),
            ),
        ),
        stream=_backup_restore_specific_backup_streamed.stream,
        progress=Progress(
            percentage="percentage",
            done_bytes="processed_bytes",
            total_bytes="total_bytes",
        ),
    ),
    "backup_specific_creation_status": Operation(
        call=_backup_specific_creation_status.sync,
        request="GET /backup/{backup}/creation/status",
        summary="The state of the creation of a backup.",
        description=(
            "The state of the creation of a backup. It is INITIALIZED while it waits for its turn,\n"
            "IN-PROGRESS with its percentage while it runs, then COMPLETED, FAILED or CANCELED. A\n"
            "finished creation is known for at least an hour; a backup that is listed is COMPLETED\n"
            "whenever it was made. While a backup is being created, `bytes` is 0 until its snapshot\n"
            "is taken."
        ),
        options=(
            Option(
                "backup",
                "backup",
                "path",
                help="This is a identifier that is used to identify a specific backup (version_timestamp). Letters, digits, `_`, `-` and single dots between them; at most 128 characters.",
                required=True,
            ),
        ),
    ),
    "backup_specific_creation_cancel": Operation(
        call=_backup_specific_creation_cancel.sync,
        request="POST /backup/{backup}/creation/cancel",
        summary="Cancels the creation of a backup, waiting or running.",
        description=(
            "Cancels the creation of a backup, waiting or running. It stops within a second, what it\n"
            "stored is removed, nothing is listed, and its stream ends with a `failed` event whose\n"
            "status is CANCELED. The answer comes once it has stopped. A creation that has already\n"
            "ended is a 409."
        ),
        options=(
            Option(
                "backup",
                "backup",
                "path",
                help="This is a identifier that is used to identify a specific backup (version_timestamp). Letters, digits, `_`, `-` and single dots between them; at most 128 characters.",
                required=True,
            ),
        ),
    ),
    "backup_specific_restoration_status": Operation(
        call=_backup_specific_restoration_status.sync,
        request="GET /backup/{backup}/restoration/status",
        summary="The state of the latest restoration of a backup.",
        description=(
            "The state of the latest restoration of a backup. It is INITIALIZED while it waits for its\n"
            "turn, IN-PROGRESS with its percentage while it runs, then COMPLETED, FAILED or CANCELED.\n"
            "A finished restoration is known for at least an hour."
        ),
        options=(
            Option(
                "backup",
                "backup",
                "path",
                help="This is a identifier that is used to identify a specific backup (version_timestamp). Letters, digits, `_`, `-` and single dots between them; at most 128 characters.",
                required=True,
            ),
        ),
    ),
    "backup_specific_restoration_cancel": Operation(
        call=_backup_specific_restoration_cancel.sync,
        request="POST /backup/{backup}/restoration/cancel",
        summary="Cancels the latest restoration of a backup, waiting or running, until the replacement commits.",
        description=(
            "Cancels the latest restoration of a backup, waiting or running, until the replacement\n"
            "commits. The database is left as it was, and the restoration's stream ends with a\n"
            "`failed` event whose status is CANCELED. The answer comes once it has stopped. Once the\n"
            "replacement commits (after the backup's integrity check), the restoration completes, and\n"
            "this is a 409, as it is for a restoration that has ended. The optional body is accepted for compatibility with\n"
            "existing clients; the path alone names the backup."
        ),
        options=(
            Option(
                "backup",
                "backup",
                "path",
                help="This is a identifier that is used to identify a specific backup (version_timestamp). Letters, digits, `_`, `-` and single dots between them; at most 128 characters.",
                required=True,
            ),
        ),
        body=Body(
            models.Backup.from_dict,
            required=False,
            fields=(
                Option(
                    "id",
                    "id",
                    "body",
                    help="Identifies the backup (version_timestamp); use it in /backups/{backup}/delete.",
                    required=True,
                ),
                Option(
                    "version",
                    "version",
                    "body",
                    help="The version of the software that took the backup.",
                    required=True,
                ),
                Option(
                    "timestamp",
                    "timestamp",
                    "body",
                    help="When the backup was taken, in microseconds since the Unix epoch, as a string.",
                    required=True,
                ),
                Option(
                    "bytes",
                    "bytes",
                    "body",
                    help="Size of the backed-up database in bytes (the uncompressed snapshot, not the stored object).",
                    kind="number",
                    required=True,
                ),
                Option(
                    "created",
                    "created",
                    "body",
                    help="A moment in time, with a form for people to read.",
                    kind="json",
                    required=True,
                ),
                Option(
                    "device_name",
                    "device-name",
                    "body",
                    help="The name of the machine the backup was taken on.",
                    required=True,
                ),
                Option(
                    "platform",
                    "platform",
                    "body",
                    help="The operating system a backup was taken on.",
                    choices=(
                        "WEB",
                        "MACOS",
                        "LINUX",
                        "WINDOWS",
                        "FUCHSIA",
                        "IOS",
                        "ANDROID",
                        "UNKNOWN",
                    ),
                    required=True,
                ),
                Option(
                    "schema",
                    "schema",
                    "body",
                    help="The schema version this object was written with.",
                    kind="json",
                ),
            ),
        ),
    ),
}
"""Every operation, by its module's name."""

COMMAND_LINE = CommandLine(
    name="backups-api",
    project="backups-api-client",
    version=__version__,
    help=(
        "Backups API\n"
        "\n"
        "The Pieces OS Backups API: take consistent backups of the local database, store them in\n"
        "the cloud (any object store), list them and delete them.\n"
        "\n"
        "Field names, operation ids and error texts follow the public Pieces OS specification, so\n"
        "existing Pieces clients work unchanged. Additions are strictly additive: optional fields,\n"
        "optional headers (Idempotency-Key, Last-Event-ID), event streams beside the JSON answers, and\n"
        "documented error statuses (400, 404, 409 where upstream answers 500, 410, 422, 503)."
    ),
    env_prefix="BACKUPS_API",
    default_url="http://localhost:1000",
    takes_key=True,
    commands=(
        Command(
            "health",
            OPERATIONS["get_well_known_health"],
        ),
        Command(
            "metrics",
            OPERATIONS["get_metrics"],
        ),
    ),
    groups=(
        Group(
            "backups",
            help="Create, list and delete backups of the local database. One backup: restore it, follow or cancel its jobs.",
            commands=(
                Command(
                    "list",
                    OPERATIONS["backups_snapshot"],
                ),
                Command(
                    "create",
                    OPERATIONS["backups_create_new_backup_streamed"],
                    plain=OPERATIONS["backups_create_new_backup"],
                ),
                Command(
                    "create-streamed",
                    OPERATIONS["backups_create_new_backup_streamed"],
                    hidden=True,
                ),
                Command(
                    "delete",
                    OPERATIONS["backups_delete_specific_backup"],
                ),
                Command(
                    "get",
                    OPERATIONS["backup_specific_backup_snapshot"],
                ),
                Command(
                    "restore",
                    OPERATIONS["backup_restore_specific_backup_streamed"],
                    plain=OPERATIONS["backup_restore_specific_backup"],
                ),
                Command(
                    "restore-streamed",
                    OPERATIONS["backup_restore_specific_backup_streamed"],
                    hidden=True,
                ),
                Command(
                    "creation-status",
                    OPERATIONS["backup_specific_creation_status"],
                ),
                Command(
                    "cancel-creation",
                    OPERATIONS["backup_specific_creation_cancel"],
                ),
                Command(
                    "restoration-status",
                    OPERATIONS["backup_specific_restoration_status"],
                ),
                Command(
                    "cancel-restoration",
                    OPERATIONS["backup_specific_restoration_cancel"],
                ),
                Command(
                    "snapshot",
                    OPERATIONS["backups_snapshot"],
                    hidden=True,
                ),
                Command(
                    "create-new-backup",
                    OPERATIONS["backups_create_new_backup"],
                    hidden=True,
                ),
                Command(
                    "create-new-backup-streamed",
                    OPERATIONS["backups_create_new_backup_streamed"],
                    hidden=True,
                ),
                Command(
                    "delete-specific-backup",
                    OPERATIONS["backups_delete_specific_backup"],
                    hidden=True,
                ),
            ),
        ),
        Group(
            "well-known",
            help="",
            commands=(
                Command(
                    "get-well-known-health",
                    OPERATIONS["get_well_known_health"],
                    hidden=True,
                ),
                Command(
                    "get-metrics",
                    OPERATIONS["get_metrics"],
                    hidden=True,
                ),
            ),
            hidden=True,
        ),
        Group(
            "backup",
            help="",
            commands=(
                Command(
                    "specific-backup-snapshot",
                    OPERATIONS["backup_specific_backup_snapshot"],
                    hidden=True,
                ),
                Command(
                    "restore-specific-backup",
                    OPERATIONS["backup_restore_specific_backup"],
                    hidden=True,
                ),
                Command(
                    "restore-specific-backup-streamed",
                    OPERATIONS["backup_restore_specific_backup_streamed"],
                    hidden=True,
                ),
                Command(
                    "specific-creation-status",
                    OPERATIONS["backup_specific_creation_status"],
                    hidden=True,
                ),
                Command(
                    "specific-creation-cancel",
                    OPERATIONS["backup_specific_creation_cancel"],
                    hidden=True,
                ),
                Command(
                    "specific-restoration-status",
                    OPERATIONS["backup_specific_restoration_status"],
                    hidden=True,
                ),
                Command(
                    "specific-restoration-cancel",
                    OPERATIONS["backup_specific_restoration_cancel"],
                    hidden=True,
                ),
            ),
            hidden=True,
        ),
    ),
)
"""Every command, as data: ``_app`` builds the click commands from it."""


def main() -> None:
    """Run ``backups-api`` with the arguments of the process, and exit with its exit code."""
    try:
        from ._app import run
    except ModuleNotFoundError as missing:
        if (missing.name or "").partition(".")[0] == __name__.partition(".")[0]:
            raise
        sys.exit(
            f"{COMMAND_LINE.name} needs the packages of the cli extra ({missing}); install them with:\n"
            f"  pip install '{COMMAND_LINE.project}[cli]'"
        )
    run(COMMAND_LINE)
