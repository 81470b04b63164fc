from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.data_webhook_view_data import DataWebhookViewData


T = TypeVar("T", bound="DataWebhookView")


@_attrs_define
class DataWebhookView:
    """The success envelope: `{"data": ...}`.

    Attributes:
        data (DataWebhookViewData):  Example: {'applicationId': None, 'circuit': {'nextProbeAt': None, 'since': None,
            'state': 'closed'}, 'createdAt': '2026-03-14T15:30:00.000Z', 'description': 'Order events for the warehouse',
            'destinationKind': 'http', 'destinationUrl': 'https://example.com/hooks/orders', 'disabledReason': None,
            'enabled': True, 'eventTypes': None, 'headers': {'x-team': 'warehouse'}, 'heldCount': 0, 'id':
            'wh_01JQ3W5Y0V2D9K8N4T6R7S1B2C', 'ingestUrl': 'https://hooks.example.com/v1/ingest/k3v9qz7m2x8p4r6t',
            'maxInFlight': None, 'name': 'orders', 'ordering': 'none', 'rateLimit': 50, 'retrySchedule': [5, 300, 1800,
            7200, 18000, 36000, 36000], 'timeoutSeconds': 15, 'updatedAt': '2026-03-14T15:30:00.000Z'}.
    """

    data: DataWebhookViewData
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = self.data.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "data": data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.data_webhook_view_data import DataWebhookViewData  # noqa: PLC0415

        d = dict(src_dict)
        data = DataWebhookViewData.from_dict(d.pop("data"))

        data_webhook_view = cls(
            data=data,
        )

        data_webhook_view.additional_properties = d
        return data_webhook_view

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
