from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SendMessage")


@_attrs_define
class SendMessage:
    """
    Example:
        {'eventType': 'invoice.paid', 'payload': {'amount': 4200, 'invoiceId': 'inv_123'}}

    Attributes:
        event_type (str): E.g. `invoice.paid`; endpoints subscribed to it (or to all) get it.
        payload (Any): Any JSON value, delivered as the request body byte for byte as sent:
            key order, spacing and numbers are kept.
        ordering_key (None | str | Unset): For endpoints with `ordering: "fifo"`: messages with the same key
            are delivered one after another in the order sent, different keys
            side by side (1 to 256 of `A-Z a-z 0-9 - _ .`).
    """

    event_type: str
    payload: Any
    ordering_key: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        event_type = self.event_type

        payload = self.payload

        ordering_key: None | str | Unset
        if isinstance(self.ordering_key, Unset):
            ordering_key = UNSET
        else:
            ordering_key = self.ordering_key

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "eventType": event_type,
                "payload": payload,
            }
        )
        if ordering_key is not UNSET:
            field_dict["orderingKey"] = ordering_key

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        event_type = d.pop("eventType")

        payload = d.pop("payload")

        def _parse_ordering_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ordering_key = _parse_ordering_key(d.pop("orderingKey", UNSET))

        send_message = cls(
            event_type=event_type,
            payload=payload,
            ordering_key=ordering_key,
        )

        return send_message
