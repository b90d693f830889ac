from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.backup import Backup
    from ..models.backups_indices import BackupsIndices
    from ..models.embedded_model_schema import EmbeddedModelSchema
    from ..models.score import Score


T = TypeVar("T", bound="Backups")


@_attrs_define
class Backups:
    """Every completely stored backup, newest first.

    Example:
        {'iterable': [{'id': '1.0.0_1795854206123456', 'version': '1.0.0', 'timestamp': '1795854206123456', 'bytes':
            1048576, 'created': {'value': '2026-11-28T08:23:26.123456+00:00', 'readable': 'Today - November 28th, 8:23
            a.m.'}, 'device_name': 'workstation', 'platform': 'LINUX'}], 'indices': {'1.0.0_1795854206123456': 0}}

    Attributes:
        iterable (list[Backup]):
        schema (EmbeddedModelSchema | None | Unset): The schema version this object was written with.
        indices (BackupsIndices | None | Unset): The position of each backup in `iterable`, by id.
        score (None | Score | Unset): How the backups have been used.
    """

    iterable: list[Backup]
    schema: EmbeddedModelSchema | None | Unset = UNSET
    indices: BackupsIndices | None | Unset = UNSET
    score: None | Score | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        iterable = []
        for iterable_item_data in self.iterable:
            iterable_item = iterable_item_data.to_dict()
            iterable.append(iterable_item)

        schema: dict[str, Any] | None | Unset
        if isinstance(self.schema, Unset):
            schema = UNSET
        elif isinstance(self.schema, EmbeddedModelSchema):
            schema = self.schema.to_dict()
        else:
            schema = self.schema

        indices: dict[str, Any] | None | Unset
        if isinstance(self.indices, Unset):
            indices = UNSET
        elif isinstance(self.indices, BackupsIndices):
            indices = self.indices.to_dict()
        else:
            indices = self.indices

        score: dict[str, Any] | None | Unset
        if isinstance(self.score, Unset):
            score = UNSET
        elif isinstance(self.score, Score):
            score = self.score.to_dict()
        else:
            score = self.score

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "iterable": iterable,
            }
        )
        if schema is not UNSET:
            field_dict["schema"] = schema
        if indices is not UNSET:
            field_dict["indices"] = indices
        if score is not UNSET:
            field_dict["score"] = score

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        iterable = []
        _iterable = d.pop("iterable")
        for iterable_item_data in _iterable:
            iterable_item = Backup.from_dict(iterable_item_data)

            iterable.append(iterable_item)

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

        def _parse_indices(data: object) -> BackupsIndices | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                indices_type_0 = BackupsIndices.from_dict(data)

                return indices_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BackupsIndices | None | Unset, data)

        indices = _parse_indices(d.pop("indices", UNSET))

        def _parse_score(data: object) -> None | Score | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                score_type_0 = Score.from_dict(data)

                return score_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Score | Unset, data)

        score = _parse_score(d.pop("score", UNSET))

        backups = cls(
            iterable=iterable,
            schema=schema,
            indices=indices,
            score=score,
        )

        backups.additional_properties = d
        return backups

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
from ..models.backups_indices import BackupsIndices  # noqa: E402
from ..models.embedded_model_schema import EmbeddedModelSchema  # noqa: E402
from ..models.score import Score  # noqa: E402
