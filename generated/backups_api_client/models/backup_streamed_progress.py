from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.model_download_progress_status_enum import ModelDownloadProgressStatusEnum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.backup import Backup
    from ..models.embedded_model_schema import EmbeddedModelSchema


T = TypeVar("T", bound="BackupStreamedProgress")


@_attrs_define
class BackupStreamedProgress:
    """The progress of a backup being taken. `percentage` follows the bytes snapshotted,
    compressed and stored. A finished backup carries `backup`; a failed one carries
    `message`.

        Example:
            {'status': 'IN-PROGRESS', 'percentage': 42.5}

        Attributes:
            schema (EmbeddedModelSchema | None | Unset): The schema version this object was written with.
            backup (Backup | None | Unset): The finished backup (set when `status` is COMPLETED).
            percentage (float | None | Unset): How much of the backup is done, from 0 to 100.
            status (ModelDownloadProgressStatusEnum | None | Unset): The state of the backup.
            message (None | str | Unset): Why the backup failed, for people to read (set when `status` is FAILED).
            total_bytes (int | None | Unset): The size in bytes of the database the job backs up or restores, once it is
                known.
            processed_bytes (int | None | Unset): How much of `total_bytes` the job has processed; `percentage` in bytes.
            added_bytes (int | None | Unset): What the finished backup added to the store, in bytes (set when `status` is
                COMPLETED,
                by a server that reports it). A store that keeps each page once adds only the pages no
                earlier backup holds: a backup of an unchanged database adds almost nothing.
    """

    schema: EmbeddedModelSchema | None | Unset = UNSET
    backup: Backup | None | Unset = UNSET
    percentage: float | None | Unset = UNSET
    status: ModelDownloadProgressStatusEnum | None | Unset = UNSET
    message: None | str | Unset = UNSET
    total_bytes: int | None | Unset = UNSET
    processed_bytes: int | None | Unset = UNSET
    added_bytes: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        schema: dict[str, Any] | None | Unset
        if isinstance(self.schema, Unset):
            schema = UNSET
        elif isinstance(self.schema, EmbeddedModelSchema):
            schema = self.schema.to_dict()
        else:
            schema = self.schema

        backup: dict[str, Any] | None | Unset
        if isinstance(self.backup, Unset):
            backup = UNSET
        elif isinstance(self.backup, Backup):
            backup = self.backup.to_dict()
        else:
            backup = self.backup

        percentage: float | None | Unset
        if isinstance(self.percentage, Unset):
            percentage = UNSET
        else:
            percentage = self.percentage

        status: None | str | Unset
        if isinstance(self.status, Unset):
            status = UNSET
        elif isinstance(self.status, ModelDownloadProgressStatusEnum):
            status = self.status.value
        else:
            status = self.status

        message: None | str | Unset
        if isinstance(self.message, Unset):
            message = UNSET
        else:
            message = self.message

        total_bytes: int | None | Unset
        if isinstance(self.total_bytes, Unset):
            total_bytes = UNSET
        else:
            total_bytes = self.total_bytes

        processed_bytes: int | None | Unset
        if isinstance(self.processed_bytes, Unset):
            processed_bytes = UNSET
        else:
            processed_bytes = self.processed_bytes

        added_bytes: int | None | Unset
        if isinstance(self.added_bytes, Unset):
            added_bytes = UNSET
        else:
            added_bytes = self.added_bytes

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if schema is not UNSET:
            field_dict["schema"] = schema
        if backup is not UNSET:
            field_dict["backup"] = backup
        if percentage is not UNSET:
            field_dict["percentage"] = percentage
        if status is not UNSET:
            field_dict["status"] = status
        if message is not UNSET:
            field_dict["message"] = message
        if total_bytes is not UNSET:
            field_dict["total_bytes"] = total_bytes
        if processed_bytes is not UNSET:
            field_dict["processed_bytes"] = processed_bytes
        if added_bytes is not UNSET:
            field_dict["added_bytes"] = added_bytes

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_schema(data: object) -> EmbeddedModelSchema | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                schema_type_0 = EmbeddedModelSchema.from_dict(data)

                return schema_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EmbeddedModelSchema | None | Unset, data)

        schema = _parse_schema(d.pop("schema", UNSET))

        def _parse_backup(data: object) -> Backup | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                backup_type_0 = Backup.from_dict(data)

                return backup_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Backup | None | Unset, data)

        backup = _parse_backup(d.pop("backup", UNSET))

        def _parse_percentage(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        percentage = _parse_percentage(d.pop("percentage", UNSET))

        def _parse_status(data: object) -> ModelDownloadProgressStatusEnum | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = ModelDownloadProgressStatusEnum(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ModelDownloadProgressStatusEnum | None | Unset, data)

        status = _parse_status(d.pop("status", UNSET))

        def _parse_message(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        message = _parse_message(d.pop("message", UNSET))

        def _parse_total_bytes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        total_bytes = _parse_total_bytes(d.pop("total_bytes", UNSET))

        def _parse_processed_bytes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        processed_bytes = _parse_processed_bytes(d.pop("processed_bytes", UNSET))

        def _parse_added_bytes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        added_bytes = _parse_added_bytes(d.pop("added_bytes", UNSET))

        backup_streamed_progress = cls(
            schema=schema,
            backup=backup,
            percentage=percentage,
            status=status,
            message=message,
            total_bytes=total_bytes,
            processed_bytes=processed_bytes,
            added_bytes=added_bytes,
        )

        backup_streamed_progress.additional_properties = d
        return backup_streamed_progress

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties


from ..models.backup import Backup  # noqa: E402
from ..models.embedded_model_schema import EmbeddedModelSchema  # noqa: E402
