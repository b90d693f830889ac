from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.platform_enum import PlatformEnum
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.embedded_model_schema import EmbeddedModelSchema
    from ..models.grouped_timestamp import GroupedTimestamp


T = TypeVar("T", bound="Backup")


@_attrs_define
class Backup:
    """A backup stored in the cloud: the metadata needed to find and restore it.

    Example:
        {'id': '1.0.0_1795854206123456', 'version': '1.0.0', 'timestamp': '1795854206123456', 'bytes': 1048576,
            'created': {'value': '2026-11-28T08:23:26.123456+00:00', 'readable': 'Today - November 28th, 8:23 a.m.'},
            'device_name': 'workstation', 'platform': 'LINUX'}

    Attributes:
        id (str): Identifies the backup (version_timestamp); use it in /backups/{backup}/delete.
        version (str): The version of the software that took the backup.
        timestamp (str): When the backup was taken, in microseconds since the Unix epoch, as a string.
        bytes_ (float): Size of the backed-up database in bytes (the uncompressed snapshot, not the stored object).
        created (GroupedTimestamp): A moment in time, with a form for people to read. Example: {'value':
            '2026-11-28T08:23:26.123456+00:00', 'readable': 'Today - November 28th, 8:23 a.m.'}.
        device_name (str): The name of the machine the backup was taken on.
        platform (PlatformEnum): The operating system a backup was taken on. Example: LINUX.
        schema (EmbeddedModelSchema | None | Unset): The schema version this object was written with.
    """

    id: str
    version: str
    timestamp: str
    bytes_: float
    created: GroupedTimestamp
    device_name: str
    platform: PlatformEnum
    schema: EmbeddedModelSchema | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        version = self.version

        timestamp = self.timestamp

        bytes_ = self.bytes_

        created = self.created.to_dict()

        device_name = self.device_name

        platform = self.platform.value

        schema: dict[str, Any] | None | Unset
        if isinstance(self.schema, Unset):
            schema = UNSET
        elif isinstance(self.schema, EmbeddedModelSchema):
            schema = self.schema.to_dict()
        else:
            schema = self.schema

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "version": version,
                "timestamp": timestamp,
                "bytes": bytes_,
                "created": created,
                "device_name": device_name,
                "platform": platform,
            }
        )
        if schema is not UNSET:
            field_dict["schema"] = schema

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        version = d.pop("version")

        timestamp = d.pop("timestamp")

        bytes_ = d.pop("bytes")

        created = GroupedTimestamp.from_dict(d.pop("created"))

        device_name = d.pop("device_name")

        platform = PlatformEnum(d.pop("platform"))

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

        backup = cls(
            id=id,
            version=version,
            timestamp=timestamp,
            bytes_=bytes_,
            created=created,
            device_name=device_name,
            platform=platform,
            schema=schema,
        )

        backup.additional_properties = d
        return backup

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


from ..models.embedded_model_schema import EmbeddedModelSchema  # noqa: E402
from ..models.grouped_timestamp import GroupedTimestamp  # noqa: E402
