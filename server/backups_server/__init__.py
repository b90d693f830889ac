"""The reference server of the Backups API: consistent backups of a local SQLite database to a
local folder or any S3-compatible object store."""

__version__ = "1.0.0"
