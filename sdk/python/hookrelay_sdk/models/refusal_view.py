from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RefusalView")


@_attrs_define
class RefusalView:
    """A request an ingest URL refused.

    Example:
        {'at': '2026-03-14T15:30:00.000Z', 'reason': 'no signature matched (a wrong secret, or a body changed on the
            way)', 'status': 400}

    Attributes:
        at (str):
        reason (str):
        status (int): What the sender was answered.
    """

    at: str
    reason: str
    status: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        at = self.at

        reason = self.reason

        status = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "at": at,
                "reason": reason,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        at = d.pop("at")

        reason = d.pop("reason")

        status = d.pop("status")

        refusal_view = cls(
            at=at,
            reason=reason,
            status=status,
        )

        refusal_view.additional_properties = d
        return refusal_view

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
