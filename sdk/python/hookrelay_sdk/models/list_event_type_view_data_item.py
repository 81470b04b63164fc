from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ListEventTypeViewDataItem")


@_attrs_define
class ListEventTypeViewDataItem:
    """
    Example:
        {'createdAt': '2026-03-14T16:00:00.000Z', 'description': 'An invoice was paid in full', 'name': 'invoice.paid',
            'schema': {'properties': {'invoiceId': {'type': 'string'}}, 'type': 'object'}, 'updatedAt':
            '2026-03-14T16:00:00.000Z'}

    Attributes:
        created_at (str):
        description (str):
        name (str):
        updated_at (str):
        schema (Any | Unset): JSON Schema of the payload, for documentation.
    """

    created_at: str
    description: str
    name: str
    updated_at: str
    schema: Any | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        description = self.description

        name = self.name

        updated_at = self.updated_at

        schema = self.schema

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "createdAt": created_at,
                "description": description,
                "name": name,
                "updatedAt": updated_at,
            }
        )
        if schema is not UNSET:
            field_dict["schema"] = schema

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = d.pop("createdAt")

        description = d.pop("description")

        name = d.pop("name")

        updated_at = d.pop("updatedAt")

        schema = d.pop("schema", UNSET)

        list_event_type_view_data_item = cls(
            created_at=created_at,
            description=description,
            name=name,
            updated_at=updated_at,
            schema=schema,
        )

        list_event_type_view_data_item.additional_properties = d
        return list_event_type_view_data_item

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
