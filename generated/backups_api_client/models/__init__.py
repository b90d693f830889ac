"""Contains all the data models used in inputs/outputs"""

from .backup import Backup
from .backup_status import BackupStatus
from .backup_status_enum import BackupStatusEnum
from .backup_streamed_progress import BackupStreamedProgress
from .backups import Backups
from .backups_indices import BackupsIndices
from .embedded_model_schema import EmbeddedModelSchema
from .embedded_model_schema_semantic_version_enum import EmbeddedModelSchemaSemanticVersionEnum
from .grouped_timestamp import GroupedTimestamp
from .model_download_progress_status_enum import ModelDownloadProgressStatusEnum
from .platform_enum import PlatformEnum
from .score import Score
from .seeded_backup import SeededBackup

__all__ = (
    "Backup",
    "Backups",
    "BackupsIndices",
    "BackupStatus",
    "BackupStatusEnum",
    "BackupStreamedProgress",
    "EmbeddedModelSchema",
    "EmbeddedModelSchemaSemanticVersionEnum",
    "GroupedTimestamp",
    "ModelDownloadProgressStatusEnum",
    "PlatformEnum",
    "Score",
    "SeededBackup",
)
