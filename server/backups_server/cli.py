"""`python -m backups_server serve` runs the server; `... restore ID --to PATH` restores a backup;
`... forget [--dry-run]` applies the keep policy."""

from __future__ import annotations

import argparse
import functools
import math
import os
import socket
import sys
from dataclasses import dataclass, replace
from datetime import timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from backups_server import __version__, config
from backups_server.engine.catalog import Catalog
from backups_server.engine.check import check_store
from backups_server.engine.migrate import migrate
from backups_server.engine.prune import GRACE, prune
from backups_server.engine.restore import restore
from backups_server.engine.retention import NO_LIMIT, RULES, Policy
from backups_server.engine.service import BackupService
from backups_server.errors import (
    BackupNotFound,
    KeysRefused,
    RestoreError,
    StoreError,
    StoreRefused,
    StoreTooNew,
)
from backups_server.keyring import SecretSettings, read_passphrase
from backups_server.runtime import logs, memory, scratch
from backups_server.runtime.schedule import Schedule
from backups_server.storage import S3_TIMEOUT, open_store
from backups_server.storage.keys import (
    KeyRing,
    MasterKey,
    add_wrapping,
    create_master_key,
    open_master_key,
    remove_wrapping,
    wrappings,
)
from backups_server.storage.layout import COPIES, FORMAT, PAGES, stored_format
from backups_server.storage.records import SealedManifest
from backups_server.storage.store import Store
from backups_server.storage.vault import DamagedPiece, Vault, open_vault

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    args.log_config = logs.configure(args.log_level, args.log_format)
    status: int = args.command(args)
    return status


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="python -m backups_server",
        description="The reference server of the Backups API: consistent backups of a local SQLite "
        "database to a local folder or any S3-compatible object store.",
    )
    root.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = root.add_subparsers(title="commands", required=True)

    _command(
        commands,
        "serve",
        serve,
        COMMON_OPTIONS + SERVE_OPTIONS + RETENTION_OPTIONS,
        help="run the HTTP server",
        description="Run the HTTP server. Every option can also be set by the environment variable named "
        "after it; a flag wins over the variable.",
    )

    restore_parser = _command(
        commands,
        "restore",
        restore_command,
        COMMON_OPTIONS,
        help="restore a backup into a SQLite file",
        description="Download a backup, verify its checksum, decompress it, check it with PRAGMA "
        "quick_check and write it atomically to PATH.",
    )
    restore_parser.add_argument("backup_id", metavar="ID", help="the id of the backup, as listed")
    restore_parser.add_argument("--to", type=Path, required=True, metavar="PATH", help="the file to write")
    restore_parser.add_argument("--force", action="store_true", help="replace PATH if it exists")

    forget_parser = _command(
        commands,
        "forget",
        forget_command,
        COMMON_OPTIONS + RETENTION_OPTIONS,
        help="remove the backups that the keep policy does not keep",
        description="Apply the keep policy to the store, as the server does at start and after each "
        "backup: list every backup, say which rules keep it, and remove the others, each manifest "
        "first. Check a policy with --dry-run before setting it. Every option can also be set by the "
        "environment variable named after it; a flag wins over the variable.",
    )
    forget_parser.add_argument("--dry-run", action="store_true", help="say what would go, and remove nothing")

    prune_parser = _command(
        commands,
        "prune",
        prune_command,
        (*COMMON_OPTIONS, GRACE_OPTION),
        help="delete the packs of an encrypted store that no backup needs",
        description="Forgetting a backup removes its manifest only; prune frees the space. It marks the "
        "packs no backup needs, deletes those marked at least the grace period ago that no backup needs "
        "then either, and rewrites the packs that backups need less than half of. Servers may keep "
        "backing up into the store meanwhile, as long as a backup takes less than the grace period. "
        "Every option can also be set by the environment variable named after it.",
    )
    prune_parser.add_argument("--dry-run", action="store_true", help="say what would go, and change nothing")

    check_parser = _command(
        commands,
        "check",
        check_command,
        COMMON_OPTIONS,
        help="verify the store without restoring: its structure, and with --read-data its bytes",
        description="Check that every backup listed can be restored: in an encrypted store, that every "
        "manifest and list of pages opens and every page is in a pack the store holds; with "
        "--read-data, every pack is read whole and every blob authenticated and every page checked "
        "against its id (--read-data-subset, a random share of them). In a store of whole copies, "
        "that each backup's data is there with its size and, read, its SHA-256. Exits 1 when it "
        "finds a problem, naming the object.",
    )
    reading = check_parser.add_mutually_exclusive_group()
    reading.add_argument("--read-data", action="store_true", help="read and verify every pack")
    reading.add_argument(
        "--read-data-subset",
        type=_share,
        metavar="N%",
        help="read and verify N%% of the packs, chosen at random (a different share each run)",
    )

    _command(
        commands,
        "migrate",
        migrate_command,
        COMMON_OPTIONS,
        help="upgrade a store of whole copies (format 1) to an encrypted one (format 2)",
        description="Store every backup of a format-1 store page by page, encrypted, read each back and "
        "check it, then mark the store format 2 and replace each backup's manifest and whole copy. "
        "Backups stay listed and restorable throughout; stopped, it goes on where it stopped when run "
        "again. The store's keys are made for the secret given as for serve (a passphrase is generated "
        "into DATA_DIR/passphrase when none is). Restart the servers of the store afterwards, with that "
        "secret; run it again for backups that servers made in format 1 meanwhile.",
    )

    keys_parser = commands.add_parser(
        "keys",
        help="list, add or remove the wrappings of an encrypted store's key",
        description="An encrypted store's master key is kept in the store wrapped with age, once for each "
        "passphrase or set of age recipients that may open it. Adding or removing a wrapping never "
        "re-encrypts data; the last one cannot be removed. Each action opens the key with the secret "
        "given as for serve (--passphrase-file, BACKUPS_PASSPHRASE, --identity-file).",
    )
    actions = keys_parser.add_subparsers(title="actions", required=True)
    list_parser = actions.add_parser("list", help="list the wrappings, and the one the secret given opens")
    list_parser.set_defaults(action=list_keys)
    add_parser = actions.add_parser("add", help="wrap the key for another passphrase or other recipients")
    wrapped_for = add_parser.add_mutually_exclusive_group(required=True)
    wrapped_for.add_argument(
        "--new-passphrase-file",
        type=Path,
        metavar="PATH",
        help="a file whose first line is the new passphrase",
    )
    wrapped_for.add_argument(
        "--recipient",
        action="append",
        metavar="AGE1...",
        help="an age X25519 recipient (a public key) whose identity will open the key; repeatable",
    )
    add_parser.set_defaults(action=add_key)
    remove_parser = actions.add_parser("remove", help="remove one wrapping, as `keys list` names it")
    remove_parser.add_argument("name", metavar="NAME", help="the wrapping's name, such as keys/0123abcd")
    remove_parser.set_defaults(action=remove_key)
    for action_parser in (list_parser, add_parser, remove_parser):
        for option in COMMON_OPTIONS:
            option.add_to(action_parser)
        action_parser.set_defaults(command=keys_command)
    return root


def _command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    run: Callable[[argparse.Namespace], int],
    options: Iterable[Option],
    *,
    help: str,  # argparse's own name
    description: str,
) -> argparse.ArgumentParser:
    """A command of the command line: its parser, with `options`, that runs `run`."""
    command = commands.add_parser(name, help=help, description=description)
    for option in options:
        option.add_to(command)
    command.set_defaults(command=run)
    return command


def serve(args: argparse.Namespace) -> int:
    # The HTTP stack is this command's alone: without it the others start in a third of the time.
    from uvicorn.config import STARTUP_FAILURE  # noqa: PLC0415

    from backups_server.api.app import create_app  # noqa: PLC0415
    from backups_server.api.handlers import BackupsApi  # noqa: PLC0415
    from backups_server.api.wire import InvalidSpec, backup_path, load_document  # noqa: PLC0415
    from backups_server.runtime import serving  # noqa: PLC0415
    from backups_server.runtime.sweeper import Upkeep  # noqa: PLC0415

    memory.limit_arenas()
    settings = _settings(args)
    store = _open_store(settings.store, settings.store_timeout)
    _check_store(store, settings.store)
    if settings.database == config.default_database(settings.data_dir):
        if config.ensure_database(settings.database):
            print(f"Created an empty database: {settings.database}")
    elif not settings.database.is_file():
        raise SystemExit(
            f"There is no database at {settings.database}; BACKUPS_DATABASE and --database must name an "
            "existing file (only the default database in DATA_DIR is created)"
        )
    if not settings.api_keys:
        print("No API key is configured: set BACKUPS_API_KEY, or BACKUPS_API_KEY_FILE", file=sys.stderr)
        return 2
    print(f"Backing up {settings.database}")
    print(f"      into {settings.store}")
    keys = _key_ring(args, store, settings.store, new_format=settings.store_format, announce=True)
    print(f"Policy: {settings.retention}")
    if settings.schedule is not None:
        print(f"Backups: {settings.schedule}, and when clients ask")
    service = BackupService(
        store=store,
        database=settings.database,
        work_dir=settings.scratch_dir,
        version=__version__,
        device_name=settings.device_name,
        retention=settings.retention,
        keys=keys,
        new_format=settings.store_format,
    )
    try:
        document = load_document(settings.spec)
        api = BackupsApi(
            service,
            backup_path=backup_path(document),
            keepalive=settings.keepalive,
            max_waiting=settings.max_waiting,
            hold_streamed=settings.hold_streamed,
            schedule=settings.schedule,
            upkeep=Upkeep(
                leftover_age=timedelta(seconds=settings.leftover_age),
                sweep_every=settings.sweep_interval,
                prune_every=settings.prune_interval,
                grace=timedelta(seconds=settings.grace),
            ),
        )
        app = create_app(
            api, document=document, api_keys=settings.api_keys, open_metrics=settings.metrics_access == "open"
        )
    except InvalidSpec as error:
        raise SystemExit(f"Cannot serve {settings.spec}: {error}") from None
    files = serving.file_limit()
    limits = serving.Limits(
        head_timeout=settings.client_timeout,
        body_timeout=settings.client_timeout,
        max_head_bytes=MAX_HEAD_BYTES,
        max_connections=serving.connection_cap(settings.max_connections, files),
        max_requests=settings.max_requests,
    )
    if limits.max_connections < settings.max_connections:
        print(f"At most {limits.max_connections} connections: the limit of open files is {files}")
    try:
        with scratch.claimed(settings.scratch_dir) as removed:
            if removed:
                print(f"Removed {len(removed)} leftovers of an earlier server from {settings.scratch_dir}")
            server_config = serving.Config(
                app,
                limits=limits,
                host=settings.host,
                port=settings.port,
                log_level=args.log_level,
                **({"log_config": args.log_config} if args.log_config else {}),
                server_header=False,
            )
            listener = server_config.bind_socket()
            print(config.LISTENING + _url(listener), flush=True)
            started = serving.serve(server_config, listener, on_abandon=api.abandon)
    except scratch.ScratchInUse as error:
        raise SystemExit(f"Cannot serve: {error}") from None
    return 0 if started else STARTUP_FAILURE


def restore_command(args: argparse.Namespace) -> int:
    store, url = _store(args)
    keys = _key_ring(args, store, url)
    try:
        manifest = restore(store, args.backup_id, args.to, force=args.force, keys=keys)
    except (RestoreError, BackupNotFound) as error:
        print(f"Not restored: {error}", file=sys.stderr)
        return 1
    except (StoreTooNew, StoreError) as error:
        print(f"Not restored: {_store_failure(error)}", file=sys.stderr)
        return 1
    record = manifest.record
    taken = f"taken {record.created.isoformat(timespec='microseconds')} on {record.device_name}"
    print(f"Restored backup {record.backup_id} ({record.size:,} bytes, {taken}) into {args.to}")
    return 0


MAX_HEAD_BYTES = 32 * 1024
"""The largest request head (request line and headers) accepted; a valid one is well under 1 KiB."""


def _key_ring(
    args: argparse.Namespace, store: Store, url: str, *, new_format: int | None = None, announce: bool = False
) -> KeyRing | None:
    """The keys of the store at `url`, opened now when it is encrypted, so that a wrong or missing
    passphrase or identity stops the command at once; for a new store of format 2 (`new_format`),
    the secret its keys will be wrapped for, a passphrase generated if none is given. None for a store
    that needs no keys. With `announce`, says where the keys came from and what the format is."""
    settings = SecretSettings(args.passphrase_file, args.identity_file, args.data_dir.resolve())
    try:
        marked = stored_format(store)
    except StoreTooNew:
        return None  # answered with 505, and left alone
    except StoreError:
        marked = None  # not reachable now: its keys are opened when they are first needed
    try:
        ring, origin = settings.key_ring(url, create=marked is None and new_format == PAGES)
        if marked == PAGES:
            if ring is None:
                raise KeysRefused(
                    "the store is encrypted: give its passphrase (--passphrase-file or BACKUPS_PASSPHRASE) "
                    "or an identity that opens it (--identity-file)"
                )
            open_master_key(store, ring.secret)
    except KeysRefused as error:
        raise SystemExit(f"Cannot open the keys of the store {url}: {error}") from None
    if not announce:
        return ring
    if marked == COPIES:
        print("The store is in format 1, whole copies, not encrypted: `migrate` upgrades it to format 2")
    elif ring is not None and PAGES in (marked, new_format):
        _say_where_keys_come_from(origin, settings)
    return ring


def _say_where_keys_come_from(origin: str, settings: SecretSettings) -> None:
    print(f"Keys: opened with {origin}")
    if origin.startswith("a passphrase generated"):
        print(
            f"Keep a copy of {settings.data_dir / config.PASSPHRASE_FILE} apart from the store: without "
            "it, no backup of this store can be read"
        )


def keys_command(args: argparse.Namespace) -> int:
    store, url = _store(args)
    keys = _key_ring(args, store, url)
    if keys is None or stored_format(store) != PAGES:
        raise SystemExit(f"The store {url} is not encrypted: it has no keys")
    try:
        master, opened = open_master_key(store, keys.secret)
        args.action(store, master, opened, args)
    except (KeysRefused, StoreError) as error:
        print(f"Keys: {error}", file=sys.stderr)
        return 1
    return 0


def list_keys(store: Store, _master: MasterKey, opened: str, _args: argparse.Namespace) -> None:
    for wrapping in wrappings(store):
        mark = "  (the secret given opens it)" if wrapping.name == opened else ""
        print(f"{wrapping.name}  {wrapping.kind}{mark}")


def add_key(store: Store, master: MasterKey, _opened: str, args: argparse.Namespace) -> None:
    if args.new_passphrase_file is not None:
        wrapped, kind = master.wrap(passphrase=read_passphrase(args.new_passphrase_file)), "passphrase"
    else:
        wrapped, kind = master.wrap(recipients=tuple(args.recipient)), "x25519"
    print(f"Added {add_wrapping(store, wrapped)}  {kind}")


def remove_key(store: Store, _master: MasterKey, _opened: str, args: argparse.Namespace) -> None:
    remove_wrapping(store, args.name)
    print(f"Removed {args.name}: what it opened no longer opens the store; the data is unchanged")


def _check_store(store: Store, url: str) -> None:
    """Stop when the store refuses this configuration; only warn when it cannot be reached now."""
    try:
        store.check()
    except StoreRefused as error:
        raise SystemExit(f"Cannot use the store {url}: {error}") from None
    except StoreError as error:
        print(f"The store {url} cannot be reached now; backups fail until it can: {error}", file=sys.stderr)


def forget_command(args: argparse.Namespace) -> int:
    store, url = _store(args)
    keys = _key_ring(args, store, url)
    policy = keep_policy(args)
    print(f"Policy: {policy}")
    if policy.keeps_everything:
        print("No --keep-* option (or BACKUPS_KEEP_* variable) is set, so every backup is kept")
        return 0
    removed, listed = ("remove", "Would remove") if args.dry_run else ("removed", "Removed")
    decisions = []
    try:
        catalog = Catalog(store, manifest_key=functools.cache(lambda: open_vault(store, keys).manifest_key))
        for decision in catalog.forget(policy, dry_run=args.dry_run):
            decisions.append(decision)
            verdict = "keep" if decision.kept else removed
            taken = decision.created.isoformat(sep=" ", timespec="seconds")
            print(f"{verdict:8} {decision.backup_id}  {taken}  {', '.join(decision.reasons)}".rstrip())
    except (StoreTooNew, StoreError) as error:
        print(f"Stopped: {_store_failure(error)}", file=sys.stderr)
        return 1
    gone = sum(not decision.kept for decision in decisions)
    print(f"{listed} {gone} of {len(decisions)} backups")
    return 0


def check_command(args: argparse.Namespace) -> int:
    store, url = _store(args)
    keys = _key_ring(args, store, url)
    share = 1.0 if args.read_data else (args.read_data_subset or 0.0)
    try:
        # The index objects are read from the store, not from this machine's copies of them.
        uncached = replace(keys, cache=None) if keys is not None else None
        vault = open_vault(store, uncached) if stored_format(store) == PAGES else None
        manifest_key = vault.manifest_key if vault is not None else b""
        catalog = Catalog(store, manifest_key=lambda: manifest_key)
        checked = check_store(catalog, vault, read_share=share)
    except (StoreTooNew, StoreError) as error:
        print(f"Stopped: {_store_failure(error)}", file=sys.stderr)
        return 1
    kind = "packs" if vault is not None else "data objects"
    relied_on = f"{checked.objects} {kind} they rely on ({_mib(checked.stored_bytes)})"
    print(f"Checked {checked.backups} backups and the {relied_on}")
    if share:
        print(f"Read and verified {checked.read} {kind} ({_mib(checked.read_bytes)})")
    if checked.unindexed:
        print(f"{checked.unindexed} packs no index names, left by interrupted backups: a prune removes them")
    for problem in checked.problems:
        print(f"Problem: {problem}", file=sys.stderr)
    if checked.problems:
        print(f"{len(checked.problems)} problems found", file=sys.stderr)
        return 1
    print("No problem found")
    return 0


def migrate_command(args: argparse.Namespace) -> int:
    store, url = _store(args)
    try:
        if stored_format(store) is None:
            print("The store is new: a server makes it in format 2 (encrypted) from its first backup")
            return 0
        vault = _new_vault(args, store, url)
        catalog = Catalog(store, manifest_key=lambda: vault.manifest_key)

        def converted(manifest: SealedManifest) -> None:
            record = manifest.record
            print(
                f"Converted {record.backup_id} ({record.size:,} bytes): {manifest.added_bytes:,} bytes added"
            )

        migrated = migrate(catalog, vault, args.data_dir.resolve() / MIGRATION_SCRATCH, converted)
    except (StoreTooNew, StoreError) as error:
        print(f"Stopped: {_store_failure(error)}; run migrate again to go on", file=sys.stderr)
        return 1
    except (RestoreError, DamagedPiece) as error:
        print(f"Stopped: {error}. Delete that backup, or keep the store in format 1", file=sys.stderr)
        return 1
    if not migrated.converted and not migrated.replaced:
        print("The store is in format 2: no backup was left to migrate")
        return 0
    print(
        f"The store is in format 2: {len(migrated.converted)} backups converted, {migrated.replaced} "
        "whole copies replaced. Restart its servers with the same secret"
    )
    return 0


MIGRATION_SCRATCH = "migrate"
"""The folder of DATA_DIR where `migrate` fetches each backup: not the scratch folder a server claims."""


def _new_vault(args: argparse.Namespace, store: Store, url: str) -> Vault:
    """The vault of the store's keys, made for the secret given (or a passphrase generated) if the store
    has none yet."""
    settings = SecretSettings(args.passphrase_file, args.identity_file, args.data_dir.resolve())
    try:
        new = not wrappings(store)
        ring, origin = settings.key_ring(url, create=new)
        if ring is None:
            raise KeysRefused(
                "give the passphrase (--passphrase-file or BACKUPS_PASSPHRASE) or an identity that opens them"
            )
        if new:
            create_master_key(store, ring.secret)
        vault = open_vault(store, ring)
    except KeysRefused as error:
        raise SystemExit(f"Cannot open the keys of the store {url}: {error}") from None
    _say_where_keys_come_from(origin, settings)
    return vault


def _share(text: str) -> float:
    """An argparse type: a percentage, as `5%` or `5`, from 0 (excluded) to 100."""
    try:
        percent = float(text.removesuffix("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a percentage such as 10%, not {text}") from None
    if not (0 < percent <= 100):
        raise argparse.ArgumentTypeError(f"must be more than 0% and at most 100%, not {text}")
    return percent / 100


def prune_command(args: argparse.Namespace) -> int:
    store, url = _store(args)
    keys = _key_ring(args, store, url)
    grace = timedelta(seconds=args.grace)
    try:
        if stored_format(store) != PAGES:
            print("The store is not encrypted: forget removes each backup whole, there is nothing to prune")
            return 0
        vault = open_vault(store, keys)
        catalog = Catalog(store, manifest_key=lambda: vault.manifest_key)
        pruned = prune(vault, catalog, grace=grace, dry_run=args.dry_run)
    except (StoreTooNew, StoreError) as error:
        print(f"Stopped: {_store_failure(error)}", file=sys.stderr)
        return 1
    except DamagedPiece as error:
        print(f"Stopped, nothing deleted: a backup cannot be read in full: {error}", file=sys.stderr)
        return 1
    rewrite, mark, delete = ("Would rewrite", "Would mark", "Would delete") if args.dry_run else PRUNED
    if pruned.repacked:
        print(
            f"{rewrite} {_packs(pruned.repacked)} that backups need less than half of: the pieces they "
            f"need copied into new packs ({_mib(pruned.written_bytes)})"
        )
    if pruned.marked:
        print(
            f"{mark} {_packs(pruned.marked)} that no backup needs: deleted by a prune {_duration(grace)} "
            "or more from now, unless a backup needs them then"
        )
    print(f"{delete} {_packs(pruned.deleted)}, marked {_duration(grace)} or more ago")
    print(f"The store keeps {_packs(pruned.kept)}")
    if pruned.missing:
        print(f"{pruned.missing} pieces that backups need are in no pack: run `check`", file=sys.stderr)
        return 1
    return 0


PRUNED = ("Rewrote", "Marked", "Deleted")


def _packs(packs: dict[str, int]) -> str:
    return f"{len(packs)} pack{'' if len(packs) == 1 else 's'} ({_mib(sum(packs.values()))})"


def _mib(count: int) -> str:
    return f"{count / 2**20:,.1f} MiB"


def _duration(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds % 3600 == 0 and seconds:
        return f"{seconds // 3600} h"
    return f"{seconds} s"


def _store_failure(error: StoreTooNew | StoreError) -> str:
    if isinstance(error, StoreTooNew):
        return "the store was written by a newer version of this server"
    return f"the backup store failed: {error}"


def _url(listener: socket.socket) -> str:
    host, port = listener.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _store(args: argparse.Namespace) -> tuple[Store, str]:
    """The store a command's settings name (`--store`, or the folder store of `--data-dir`), and its URL."""
    url = args.store or config.default_store(args.data_dir)
    return _open_store(url), url


def _open_store(url: str, timeout: float = S3_TIMEOUT) -> Store:
    try:
        return open_store(url, timeout=timeout)
    except ValueError as error:
        raise SystemExit(f"Cannot use the store: {error}") from None


def _settings(args: argparse.Namespace) -> config.Settings:
    data_dir: Path = args.data_dir.resolve()
    if args.api_key:
        keys, origin = config.parse_keys(args.api_key), "API keys: from BACKUPS_API_KEY or --api-key"
    else:
        key_file: Path | None = args.api_key_file
        if key_file is None:
            key_file, created = config.generated_key_file(data_dir)
            origin = f"API key: {'generated into' if created else 'read from'} {key_file}"
        else:
            origin = f"API keys: read from {key_file}"
        try:
            keys = config.parse_keys(key_file.read_text(encoding="utf-8"))
        except OSError as error:
            raise SystemExit(f"Cannot read the API keys: {error}") from None
    print(origin + " (clients send it in the X-Application-ID header)")
    if not args.spec.is_file():
        raise SystemExit(f"There is no OpenAPI document at {args.spec}; set BACKUPS_SPEC or --spec")
    return config.Settings(
        data_dir=data_dir,
        database=(args.database or config.default_database(data_dir)).resolve(),
        store=args.store or config.default_store(data_dir),
        spec=args.spec,
        host=args.host,
        port=args.port,
        api_keys=keys,
        device_name=args.device_name or socket.gethostname(),
        keepalive=args.keepalive,
        max_waiting=args.max_waiting,
        hold_streamed=args.hold_streamed,
        leftover_age=args.leftover_age,
        sweep_interval=args.sweep_interval,
        prune_interval=args.prune_interval,
        grace=args.grace,
        client_timeout=args.client_timeout,
        max_connections=args.max_connections,
        max_requests=args.max_requests,
        store_timeout=args.store_timeout,
        store_format=args.store_format,
        retention=keep_policy(args),
        schedule=_schedule(args),
        metrics_access=args.metrics_access,
    )


def _schedule(args: argparse.Namespace) -> Schedule | None:
    if not args.schedule:
        return None
    try:
        return Schedule.parse(args.schedule, args.timezone)
    except ValueError as error:
        raise SystemExit(f"Cannot use the schedule (--schedule, BACKUPS_SCHEDULE): {error}") from None


def keep_policy(args: argparse.Namespace) -> Policy:
    """The keep policy that the command line and the BACKUPS_KEEP_* variables set."""
    counts: dict[str, int] = {rule: getattr(args, f"keep_{rule}") for rule in RULES}
    return Policy(**counts, timezone=args.timezone)


@dataclass(frozen=True)
class Option:
    """A flag of the command line, and the environment variable named after it that sets its default."""

    flag: str
    help: str
    type: Callable[[str], Any] = str
    default: Any = None
    metavar: str | None = None
    choices: tuple[Any, ...] | None = None

    @property
    def variable(self) -> str:
        return "BACKUPS_" + self.flag.removeprefix("--").replace("-", "_").upper()

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            self.flag,
            type=self.type,
            default=os.environ.get(self.variable) or self.default,
            metavar=self.metavar,
            choices=self.choices,
            help=f"{self.help} [{self.variable}]",
        )


def _number(kind: type[float], requirement: str, accepts: Callable[[float], bool]) -> Callable[[str], float]:
    """An argparse type: a finite number of `kind` that `accepts`, as `requirement` says in words."""

    def parse(text: str) -> float:
        value = kind(text)
        if not (math.isfinite(value) and accepts(value)):
            raise argparse.ArgumentTypeError(f"must be {requirement}, not {text}")
        return value

    parse.__name__ = kind.__name__  # argparse names it in "invalid int value"
    return parse


def _timezone(name: str) -> tzinfo:
    """An argparse type: a timezone of the IANA database."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(
            f"must be an IANA timezone such as Europe/Paris, not {name}"
        ) from None


_count = _number(int, f"a count from 0, or {NO_LIMIT} for no limit", lambda count: count >= NO_LIMIT)


COMMON_OPTIONS = (
    Option(
        "--data-dir",
        "where the defaults live: the database, folder store, key file and scratch space "
        "(default: ./%(default)s)",
        type=Path,
        default=config.DATA_DIR,
        metavar="DIR",
    ),
    Option(
        "--store",
        "where backups go: file:///path/to/folder, or s3://bucket/prefix with boto3's standard "
        "credentials and AWS_ENDPOINT_URL (default: a folder store in DATA_DIR/store)",
        metavar="URL",
    ),
    Option(
        "--log-level",
        "(default: %(default)s)",
        default="info",
        choices=("critical", "error", "warning", "info", "debug"),
    ),
    Option(
        "--log-format",
        "text for people, or json: one object a line, with the id of the request whose handling "
        "logged it, which its answer carries in X-Request-ID (default: %(default)s)",
        default=logs.TEXT,
        choices=(logs.TEXT, logs.JSON),
    ),
    Option(
        "--passphrase-file",
        "a file whose first line is the passphrase of the store's keys; BACKUPS_PASSPHRASE gives it "
        "itself, instead (default: DATA_DIR/passphrase, generated with mode 0600 for a new store)",
        type=Path,
        metavar="PATH",
    ),
    Option(
        "--identity-file",
        "a file of age X25519 identities (AGE-SECRET-KEY-1...), one per line, that open the store's keys",
        type=Path,
        metavar="PATH",
    ),
)
"""The options of every command."""

GRACE_OPTION = Option(
    "--grace",
    "delete a pack only once a prune marked it this long ago; a backup that takes longer than this, on "
    "any server writing to the store, could lose a pack it relies on (default: %(default)s, a day)",
    type=_number(float, "at least 0", lambda seconds: seconds >= 0),
    default=GRACE.total_seconds(),
    metavar="SECONDS",
)

SERVE_OPTIONS = (
    Option(
        "--database",
        "the SQLite database to back up, which must exist (default: DATA_DIR/database.sqlite, created "
        "empty if missing)",
        type=Path,
        metavar="PATH",
    ),
    Option("--host", "the address to listen on (default: %(default)s)", default="127.0.0.1"),
    Option(
        "--port",
        "the port to listen on; 0 for any free port (the server prints the address it listens on) "
        "(default: %(default)s)",
        type=_number(int, "a port from 0 to 65535", lambda port: 0 <= port <= 65535),
        default=8000,
    ),
    Option(
        "--api-key",
        "the accepted API keys, separated by commas; prefer the variable or a file, since other users can "
        "see a command line (default: the key file)",
        metavar="KEYS",
    ),
    Option(
        "--api-key-file",
        "a file of accepted API keys, one per line (default: DATA_DIR/api-key, created with a fresh key "
        "and mode 0600 at first start)",
        type=Path,
        metavar="PATH",
    ),
    Option("--device-name", "the device name recorded in backups (default: the host name)", metavar="NAME"),
    Option(
        "--store-format",
        "the format of a store this server creates: 2, encrypted and deduplicated page by page, or 1, "
        "whole compressed copies that servers older than format 2 read; a store keeps the format it has "
        "(default: %(default)s)",
        type=int,
        default=FORMAT,
        choices=(COPIES, PAGES),
    ),
    Option(
        "--keepalive",
        "send a keep-alive comment on an event stream idle for this long (default: %(default)s)",
        type=_number(float, "more than 0", lambda seconds: seconds > 0),
        default=5.0,
        metavar="SECONDS",
    ),
    Option(
        "--max-waiting",
        "how many backups and restorations may wait for their turn, behind the one running; a request "
        "beyond them is answered 503 (default: %(default)s)",
        type=_number(int, "at least 1", lambda count: count >= 1),
        default=16,
        metavar="N",
    ),
    Option(
        "--hold-streamed",
        "hold each backup and restoration that its request follows as an event stream this long when "
        "its turn comes, waiting, before it starts (a cancellation ends the hold at once), so that a "
        "test sees it waiting and can cancel it; 0 is off (default: %(default)s)",
        type=_number(float, "at least 0", lambda seconds: seconds >= 0),
        default=0.0,
        metavar="SECONDS",
    ),
    Option(
        "--leftover-age",
        "remove leftovers of interrupted backups once they are this old; younger ones may belong to "
        "another server still writing to the same store (default: %(default)s)",
        type=_number(float, "at least 0", lambda seconds: seconds >= 0),
        default=3600.0,
        metavar="SECONDS",
    ),
    Option(
        "--store-timeout",
        "an S3 request fails after waiting this long to connect, send or read, tried twice; a store that "
        "stops answering fails the backups on it within a minute (default: %(default)s)",
        type=_number(float, "more than 0", lambda seconds: seconds > 0),
        default=S3_TIMEOUT,
        metavar="SECONDS",
    ),
    Option(
        "--sweep-interval",
        "look for leftovers to remove this often, besides at start (default: %(default)s)",
        type=_number(float, "more than 0", lambda seconds: seconds > 0),
        default=600.0,
        metavar="SECONDS",
    ),
    Option(
        "--prune-interval",
        "prune an encrypted store this often, the first time that long after start, at a sweep; 0 "
        "for never (then run the prune command yourself) (default: %(default)s, a day)",
        type=_number(float, "at least 0", lambda seconds: seconds >= 0),
        default=86400.0,
        metavar="SECONDS",
    ),
    GRACE_OPTION,
    Option(
        "--schedule",
        "back up on a schedule besides when clients ask: an interval (30s, 15m, 1h, 1d) or a cron "
        "expression in --timezone (0 3 * * *: at 3 a.m.); servers sharing a store back up once a slot, "
        "and a slot missed while none ran is made up once at start (default: none)",
        metavar="WHEN",
    ),
    Option(
        "--metrics-access",
        "who may read /metrics: clients with the API key, or anyone who reaches the server, for a "
        "scraper without the key (default: %(default)s)",
        default="key",
        choices=("key", "open"),
    ),
    Option(
        "--client-timeout",
        "a client has this long to send a request's head (from connecting, or from the previous "
        "answer), and then as long to send its body; a late one is cut off (default: %(default)s)",
        type=_number(float, "more than 0", lambda seconds: seconds > 0),
        default=10.0,
        metavar="SECONDS",
    ),
    Option(
        "--max-connections",
        "connections open at once; beyond it the one idle longest is closed, or when none is idle the "
        "new one is answered 503; kept below the limit of open files (default: %(default)s)",
        type=_number(int, "at least 1", lambda count: count >= 1),
        default=1000,
        metavar="N",
    ),
    Option(
        "--max-requests",
        "requests handled at once, event streams included; beyond it, 503 (default: %(default)s)",
        type=_number(int, "at least 1", lambda count: count >= 1),
        default=100,
        metavar="N",
    ),
    Option(
        "--spec",
        "the OpenAPI document to serve (default: the repository's openapi.yaml)",
        type=Path,
        default=config.default_spec(),
        metavar="PATH",
    ),
)
"""The options of `serve`."""

RETENTION_OPTIONS = (
    Option(
        "--keep-last",
        "keep the N newest backups. With no --keep-* option every backup is kept; with some, a backup "
        "that any of them keeps is kept and the others are removed, at start and after each backup "
        f"(restic's forget rules; {NO_LIMIT} means no limit) (default: %(default)s)",
        type=_count,
        default=0,
        metavar="N",
    ),
    *(
        Option(
            f"--keep-{rule}",
            f"keep the newest backup of each of the N newest {period} that have one (default: %(default)s)",
            type=_count,
            default=0,
            metavar="N",
        )
        for rule, period in (
            ("hourly", "hours"),
            ("daily", "days"),
            ("weekly", "ISO weeks (from Monday)"),
            ("monthly", "months"),
            ("yearly", "years"),
        )
    ),
    Option(
        "--timezone",
        "the timezone of the --keep-* periods and of a cron --schedule, an IANA name such as "
        "Europe/Paris (default: %(default)s)",
        type=_timezone,
        default="UTC",
        metavar="NAME",
    ),
)
"""The keep policy, of `serve` and `forget`."""
