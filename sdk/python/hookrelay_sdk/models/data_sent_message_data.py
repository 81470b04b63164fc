from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.message_delivery import MessageDelivery


T = TypeVar("T", bound="DataSentMessageData")


@_attrs_define
class DataSentMessageData:
    """
    Attributes:
        application_id (str):
        deliveries (list[MessageDelivery]):
        event_type (str):
        id (str):
    """

    application_id: str
    deliveries: list[MessageDelivery]
    event_type: str
    id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        application_id = self.application_id

        deliveries = []
        for deliveries_item_data in self.deliveries:
            deliveries_item = deliveries_item_data.to_dict()
            deliveries.append(deliveries_item)

        event_type = self.event_type

        id = self.id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "applicationId": application_id,
                "deliveries": deliveries,
                "eventType": event_type,
                "id": id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.message_delivery import MessageDelivery  # noqa: PLC0415

        d = dict(src_dict)
        application_id = d.pop("applicationId")

        deliveries = []
        _deliveries = d.pop("deliveries")
        for deliveries_item_data in _deliveries:
            deliveries_item = MessageDelivery.from_dict(deliveries_item_data)

            deliveries.append(deliveries_item)

        event_type = d.pop("eventType")

        id = d.pop("id")

        data_sent_message_data = cls(
            application_id=application_id,
            deliveries=deliveries,
            event_type=event_type,
            id=id,
        )

        data_sent_message_data.additional_properties = d
        return data_sent_message_data

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
