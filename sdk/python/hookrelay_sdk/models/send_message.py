from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="SendMessage")


@_attrs_define
class SendMessage:
    """
    Example:
        {'eventType': 'invoice.paid', 'payload': {'amount': 4200, 'invoiceId': 'inv_123'}}

    Attributes:
        event_type (str): E.g. `invoice.paid`; endpoints subscribed to it (or to all) get it.
        payload (Any): Any JSON value, delivered as the request body.
    """

    event_type: str
    payload: Any

    def to_dict(self) -> dict[str, Any]:
        event_type = self.event_type

        payload = self.payload

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "eventType": event_type,
                "payload": payload,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        event_type = d.pop("eventType")

        payload = d.pop("payload")

        send_message = cls(
            event_type=event_type,
            payload=payload,
        )

        return send_message
