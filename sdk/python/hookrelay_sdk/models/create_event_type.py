from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateEventType")


@_attrs_define
class CreateEventType:
    """
    Attributes:
        name (str): E.g. `invoice.paid`: 1–256 of `A-Z a-z 0-9 - _ .`.
        description (str | Unset):
        schema (Any | Unset): A JSON Schema object for the payload.
    """

    name: str
    description: str | Unset = UNSET
    schema: Any | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        description = self.description

        schema = self.schema

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if schema is not UNSET:
            field_dict["schema"] = schema

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        description = d.pop("description", UNSET)

        schema = d.pop("schema", UNSET)

        create_event_type = cls(
            name=name,
            description=description,
            schema=schema,
        )

        return create_event_type
