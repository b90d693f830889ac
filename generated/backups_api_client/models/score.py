from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.embedded_model_schema import EmbeddedModelSchema


T = TypeVar("T", bound="Score")


@_attrs_define
class Score:
    """How a model has been used and rated.

    Example:
        {'manual': 0, 'automatic': 0}

    Attributes:
        manual (int): Points given by people.
        automatic (int): Points given automatically.
        schema (EmbeddedModelSchema | None | Unset): The schema version this object was written with.
        priority (int | None | Unset):
        reuse (int | None | Unset):
        update (int | None | Unset):
        reference (int | None | Unset):
        searched (int | None | Unset):
    """

    manual: int
    automatic: int
    schema: EmbeddedModelSchema | None | Unset = UNSET
    priority: int | None | Unset = UNSET
    reuse: int | None | Unset = UNSET
    update: int | None | Unset = UNSET
    reference: int | None | Unset = UNSET
    searched: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        manual = self.manual

        automatic = self.automatic

        schema: dict[str, Any] | None | Unset
        if isinstance(self.schema, Unset):
            schema = UNSET
        elif isinstance(self.schema, EmbeddedModelSchema):
            schema = self.schema.to_dict()
        else:
            schema = self.schema

        priority: int | None | Unset
        if isinstance(self.priority, Unset):
            priority = UNSET
        else:
            priority = self.priority

        reuse: int | None | Unset
        if isinstance(self.reuse, Unset):
            reuse = UNSET
        else:
            reuse = self.reuse

        update: int | None | Unset
        if isinstance(self.update, Unset):
            update = UNSET
        else:
            update = self.update

        reference: int | None | Unset
        if isinstance(self.reference, Unset):
            reference = UNSET
        else:
            reference = self.reference

        searched: int | None | Unset
        if isinstance(self.searched, Unset):
            searched = UNSET
        else:
            searched = self.searched

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "manual": manual,
                "automatic": automatic,
            }
        )
        if schema is not UNSET:
            field_dict["schema"] = schema
        if priority is not UNSET:
            field_dict["priority"] = priority
        if reuse is not UNSET:
            field_dict["reuse"] = reuse
        if update is not UNSET:
            field_dict["update"] = update
        if reference is not UNSET:
            field_dict["reference"] = reference
        if searched is not UNSET:
            field_dict["searched"] = searched

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        manual = d.pop("manual")

        automatic = d.pop("automatic")

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

        def _parse_priority(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        priority = _parse_priority(d.pop("priority", UNSET))

        def _parse_reuse(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        reuse = _parse_reuse(d.pop("reuse", UNSET))

        def _parse_update(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        update = _parse_update(d.pop("update", UNSET))

        def _parse_reference(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        reference = _parse_reference(d.pop("reference", UNSET))

        def _parse_searched(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        searched = _parse_searched(d.pop("searched", UNSET))

        score = cls(
            manual=manual,
            automatic=automatic,
            schema=schema,
            priority=priority,
            reuse=reuse,
            update=update,
            reference=reference,
            searched=searched,
        )

        score.additional_properties = d
        return score

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
