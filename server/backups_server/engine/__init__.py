"""Backups and restorations: the snapshot, the service and its catalog, restoring, progress, retention."""
