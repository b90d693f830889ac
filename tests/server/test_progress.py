"""A backup's progress: the snapshot is the first half, compressing and storing it the second."""

from __future__ import annotations

from backups_server.engine.progress import BackupProgress, Progress, RestoreProgress


def test_the_second_half_follows_the_bytes_stored_out_of_those_predicted_and_never_goes_back() -> None:
    reported: list[Progress] = []
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

    assert reported == [Progress(fraction, 1000) for fraction in [0.25, 0.5, 0.7, 0.75, 0.875, 1.0]]


def test_a_restoration_reports_the_size_of_the_database_it_restores() -> None:
    reported: list[Progress] = []
    progress = RestoreProgress(reported.append, stored_bytes=300, size=4096)

    progress.fetched(300)
    progress.copied(10, 10)
    progress.replaced(1, 1)

    assert reported == [Progress(0.25, 4096), Progress(0.5, 4096), Progress(1.0, 4096)]
