"""A sample SQLite database of saved code snippets, the kind of data a Pieces user backs up."""

from __future__ import annotations

import random
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

LANGUAGES = ["python", "typescript", "rust", "go", "sql", "bash", "kotlin", "swift", "java", "csharp"]
SUBJECTS = ["user", "invoice", "session", "token", "order", "report", "cache", "request", "upload", "message"]
ACTIONS = ["load", "save", "parse", "validate", "retry", "merge", "export", "refresh", "encode", "sync"]
TAGS = ["api", "database", "auth", "testing", "async", "cli", "frontend", "devops", "parsing", "snippets"]
AUTHORS = ["ada", "grace", "linus", "barbara", "ken", "margaret", "guido", "anders", "yukihiro", "bjarne"]
BODY_LINES = [
    "    {subject} = client.{action}({subject}_id, timeout=30)",
    "    if not {subject}:",
    "        raise LookupError(f'{subject} {{{subject}_id}} not found')",
    "    log.info('%s %s', '{action}', {subject}.id)",
    "    for item in {subject}.items:",
    "        total += item.price * item.quantity",
    "    await queue.put(({subject}.id, '{action}'))",
    "    return {{'id': {subject}.id, 'status': '{action}ed'}}",
]

SCHEMA = """
CREATE TABLE snippets (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    language TEXT NOT NULL,
    author TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    views INTEGER NOT NULL
);
CREATE TABLE snippet_tags (snippet_id INTEGER NOT NULL REFERENCES snippets(id), tag TEXT NOT NULL);
CREATE INDEX snippets_by_language ON snippets(language, created_at);
CREATE INDEX tags_by_tag ON snippet_tags(tag);
"""

BATCH = 5000


def create_sample_database(path: Path, *, rows: int = 0, min_bytes: int = 0, seed: int = 1) -> int:
    """Create a new database at `path` with at least `rows` snippets and `min_bytes` bytes, in WAL
    mode; returns how many snippets it holds."""
    generator = random.Random(seed)  # noqa: S311 (reproducible sample data, not secrets)
    written = 0
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.executescript(SCHEMA)
        while written < rows or path.stat().st_size < min_bytes:
            snippets = list(_snippets(generator, written, BATCH))
            with connection:
                connection.executemany("INSERT INTO snippets VALUES (?, ?, ?, ?, ?, ?, ?)", snippets)
                connection.executemany(
                    "INSERT INTO snippet_tags VALUES (?, ?)",
                    [(snippet[0], tag) for snippet in snippets for tag in generator.sample(TAGS, 2)],
                )
            written += len(snippets)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return written


def _snippets(generator: random.Random, start: int, count: int) -> Iterator[tuple[object, ...]]:
    epoch = datetime(2024, 1, 1, tzinfo=UTC)
    for number in range(start + 1, start + count + 1):
        subject, action = generator.choice(SUBJECTS), generator.choice(ACTIONS)
        language = generator.choice(LANGUAGES)
        lines = [f"def {action}_{subject}({subject}_id):"]
        lines += [generator.choice(BODY_LINES) for _ in range(generator.randint(4, 40))]
        body = "\n".join(lines).format(subject=subject, action=action)
        created = epoch + timedelta(seconds=generator.randint(0, 700 * 24 * 3600))
        title = f"{action.capitalize()} a {subject} ({language})"
        author = generator.choice(AUTHORS)
        yield number, title, language, author, body, created.isoformat(), generator.randint(0, 5000)
