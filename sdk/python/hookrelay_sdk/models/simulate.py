from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="Simulate")


@_attrs_define
class Simulate:
    """
    Example:
        {'code': 'function handler(event) { return { body: { kind: event.eventType, data: event.payload } } }',
            'deliveryId': 'msg_01JQ3W7F8H2K5M9P3R6T8V1X4Z'}

    Attributes:
        code (str): JavaScript defining `handler(event)`, which returns `{body, headers?,
            method?, url?}` or null (cancel). `event` has `payload` (parsed JSON,
            or the text), `headers`, `method`, `url` and `eventType`.
        delivery_id (str): The stored delivery whose event the script runs on.
    """

    code: str
    delivery_id: str

    def to_dict(self) -> dict[str, Any]:
        code = self.code

        delivery_id = self.delivery_id

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "code": code,
                "deliveryId": delivery_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        code = d.pop("code")

        delivery_id = d.pop("deliveryId")

        simulate = cls(
            code=code,
            delivery_id=delivery_id,
        )

        return simulate
