from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.data_session_view_data_scopes_item import DataSessionViewDataScopesItem

T = TypeVar("T", bound="DataSessionViewData")


@_attrs_define
class DataSessionViewData:
    """
    Attributes:
        application_id (str):
        application_name (str):
        scopes (list[DataSessionViewDataScopesItem]):
    """

    application_id: str
    application_name: str
    scopes: list[DataSessionViewDataScopesItem]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        application_id = self.application_id

        application_name = self.application_name

        scopes = []
        for scopes_item_data in self.scopes:
            scopes_item = scopes_item_data.value
            scopes.append(scopes_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "applicationId": application_id,
                "applicationName": application_name,
                "scopes": scopes,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        application_id = d.pop("applicationId")

        application_name = d.pop("applicationName")

        scopes = []
        _scopes = d.pop("scopes")
        for scopes_item_data in _scopes:
            scopes_item = DataSessionViewDataScopesItem(scopes_item_data)

            scopes.append(scopes_item)

        data_session_view_data = cls(
            application_id=application_id,
            application_name=application_name,
            scopes=scopes,
        )

        data_session_view_data.additional_properties = d
        return data_session_view_data

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
