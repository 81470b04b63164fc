from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.update_event_type_schema_type_0 import UpdateEventTypeSchemaType0


T = TypeVar("T", bound="UpdateEventType")


@_attrs_define
class UpdateEventType:
    """
    Attributes:
        description (None | str | Unset):
        schema (None | Unset | UpdateEventTypeSchemaType0): `null` removes the schema.
    """

    description: None | str | Unset = UNSET
    schema: None | Unset | UpdateEventTypeSchemaType0 = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.update_event_type_schema_type_0 import UpdateEventTypeSchemaType0  # noqa: PLC0415

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        schema: dict[str, Any] | None | Unset
        if isinstance(self.schema, Unset):
            schema = UNSET
        elif isinstance(self.schema, UpdateEventTypeSchemaType0):
            schema = self.schema.to_dict()
        else:
            schema = self.schema

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if description is not UNSET:
            field_dict["description"] = description
        if schema is not UNSET:
            field_dict["schema"] = schema

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.update_event_type_schema_type_0 import UpdateEventTypeSchemaType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_schema(data: object) -> None | Unset | UpdateEventTypeSchemaType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                schema_type_0 = UpdateEventTypeSchemaType0.from_dict(data)

                return schema_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UpdateEventTypeSchemaType0, data)

        schema = _parse_schema(d.pop("schema", UNSET))

        update_event_type = cls(
            description=description,
            schema=schema,
        )

        return update_event_type
