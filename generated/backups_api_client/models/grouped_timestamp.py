from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.embedded_model_schema import EmbeddedModelSchema


T = TypeVar("T", bound="GroupedTimestamp")


@_attrs_define
class GroupedTimestamp:
    """A moment in time, with a form for people to read.

    Example:
        {'value': '2026-11-28T08:23:26.123456+00:00', 'readable': 'Today - November 28th, 8:23 a.m.'}

    Attributes:
        value (datetime.datetime): The moment, as an RFC 3339 date-time.
        schema (EmbeddedModelSchema | None | Unset): The schema version this object was written with.
        readable (None | str | Unset): The moment for people to read, relative to now.
    """

    value: datetime.datetime
    schema: EmbeddedModelSchema | None | Unset = UNSET
    readable: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        value = self.value.isoformat()

        schema: dict[str, Any] | None | Unset
        if isinstance(self.schema, Unset):
            schema = UNSET
        elif isinstance(self.schema, EmbeddedModelSchema):
            schema = self.schema.to_dict()
        else:
            schema = self.schema

        readable: None | str | Unset
        if isinstance(self.readable, Unset):
            readable = UNSET
        else:
            readable = self.readable

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "value": value,
            }
        )
        if schema is not UNSET:
            field_dict["schema"] = schema
        if readable is not UNSET:
            field_dict["readable"] = readable

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        value = datetime.datetime.fromisoformat(d.pop("value"))

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

        def _parse_readable(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        readable = _parse_readable(d.pop("readable", UNSET))

        grouped_timestamp = cls(
            value=value,
            schema=schema,
            readable=readable,
        )

        grouped_timestamp.additional_properties = d
        return grouped_timestamp

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
