"""A backup's progress: the snapshot is the first half, compressing and storing it the second."""

from __future__ import annotations

from backups_server.progress import BackupProgress


def test_the_second_half_follows_the_bytes_stored_out_of_those_predicted_and_never_goes_back() -> None:
    reported: list[float] = []
    progress = BackupProgress(reported.append)

    progress.snapshotted(500, 1000)
    progress.snapshotted(1000, 1000)
    progress.compressed(consumed=400, produced=0)  # no output yet: the input consumed counts
    progress.compressed(consumed=400, produced=100)  # output waiting for the store: not stored yet
    progress.stored(50)
    progress.stored(100)
    progress.compressed(consumed=1000, produced=200)
    progress.stored(150)
    progress.stored(200)

    assert reported == [0.25, 0.5, 0.7, 0.75, 0.875, 1.0]
