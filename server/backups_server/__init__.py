"""The reference server of the Backups API: consistent backups of a local SQLite database to a
local folder or any S3-compatible object store."""

from pathlib import Path

from backups_server._version import spec_path, spec_version

__version__ = spec_version(spec_path(Path(__file__).resolve().parent))
"""The API's version, from the spec the server serves by default."""
