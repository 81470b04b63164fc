from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="DeliveryDetailRequestHeaders")


@_attrs_define
class DeliveryDetailRequestHeaders:
    """The request headers every attempt carries, with the webhook's extra
    headers as configured now and the event's own (a schedule's), and a
    transformation's over them; each attempt adds its `webhook-timestamp`
    (see `attempts[].webhookTimestamp`) and the `webhook-signature` over it.

    """

    additional_properties: dict[str, str] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        delivery_detail_request_headers = cls()

        delivery_detail_request_headers.additional_properties = d
        return delivery_detail_request_headers

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> str:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: str) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
