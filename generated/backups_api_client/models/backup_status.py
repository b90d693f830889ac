from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.backup_status_enum import BackupStatusEnum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.backup import Backup
    from ..models.embedded_model_schema import EmbeddedModelSchema


T = TypeVar("T", bound="BackupStatus")


@_attrs_define
class BackupStatus:
    """The status of the creation or the restoration of a backup.

    Example:
        {'backup': {'id': '1.0.0_1795854206123456', 'version': '1.0.0', 'timestamp': '1795854206123456', 'bytes':
            1048576, 'created': {'value': '2026-11-28T08:23:26.123456+00:00'}, 'device_name': 'workstation', 'platform':
            'LINUX'}, 'value': 'IN-PROGRESS', 'percentage': 42.5}

    Attributes:
        backup (Backup): A backup stored in the cloud: the metadata needed to find and restore it.
             Example: {'id': '1.0.0_1795854206123456', 'version': '1.0.0', 'timestamp': '1795854206123456', 'bytes':
            1048576, 'created': {'value': '2026-11-28T08:23:26.123456+00:00', 'readable': 'Today - November 28th, 8:23
            a.m.'}, 'device_name': 'workstation', 'platform': 'LINUX'}.
        schema (EmbeddedModelSchema | None | Unset): The schema version this object was written with.
        value (BackupStatusEnum | None | Unset): The state of the job.
        percentage (float | None | Unset): How much of the job is done, from 0 to 100.
    """

    backup: Backup
    schema: EmbeddedModelSchema | None | Unset = UNSET
    value: BackupStatusEnum | None | Unset = UNSET
    percentage: float | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        backup = self.backup.to_dict()

        schema: dict[str, Any] | None | Unset
        if isinstance(self.schema, Unset):
            schema = UNSET
        elif isinstance(self.schema, EmbeddedModelSchema):
            schema = self.schema.to_dict()
        else:
            schema = self.schema

        value: None | str | Unset
        if isinstance(self.value, Unset):
            value = UNSET
        elif isinstance(self.value, BackupStatusEnum):
            value = self.value.value
        else:
            value = self.value

        percentage: float | None | Unset
        if isinstance(self.percentage, Unset):
            percentage = UNSET
        else:
            percentage = self.percentage

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "backup": backup,
            }
        )
        if schema is not UNSET:
            field_dict["schema"] = schema
        if value is not UNSET:
            field_dict["value"] = value
        if percentage is not UNSET:
            field_dict["percentage"] = percentage

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        backup = Backup.from_dict(d.pop("backup"))

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

        def _parse_value(data: object) -> BackupStatusEnum | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                value_type_0 = BackupStatusEnum(data)

                return value_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BackupStatusEnum | None | Unset, data)

        value = _parse_value(d.pop("value", UNSET))

        def _parse_percentage(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        percentage = _parse_percentage(d.pop("percentage", UNSET))

        backup_status = cls(
            backup=backup,
            schema=schema,
            value=value,
            percentage=percentage,
        )

        backup_status.additional_properties = d
        return backup_status

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
