from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.embedded_model_schema_semantic_version_enum import EmbeddedModelSchemaSemanticVersionEnum

T = TypeVar("T", bound="EmbeddedModelSchema")


@_attrs_define
class EmbeddedModelSchema:
    """The version of the schema a model was written with, for migrations.

    Example:
        {'migration': 0, 'semantic': 'MAJOR_0_MINOR_0_PATCH_1'}

    Attributes:
        migration (int):
        semantic (EmbeddedModelSchemaSemanticVersionEnum): The semantic version of a model's schema. Example:
            MAJOR_0_MINOR_0_PATCH_1.
    """

    migration: int
    semantic: EmbeddedModelSchemaSemanticVersionEnum
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        migration = self.migration

        semantic = self.semantic.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "migration": migration,
                "semantic": semantic,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        migration = d.pop("migration")

        semantic = EmbeddedModelSchemaSemanticVersionEnum(d.pop("semantic"))

        embedded_model_schema = cls(
            migration=migration,
            semantic=semantic,
        )

        embedded_model_schema.additional_properties = d
        return embedded_model_schema

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
