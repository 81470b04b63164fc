from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TierLimits")


@_attrs_define
class TierLimits:
    """A tier's limits and features; null is unlimited.

    Attributes:
        audit_log (bool):
        max_payload_bytes (int):
        notifications (bool):
        retention_days (int):
        events_per_month (int | None | Unset):
        max_webhooks (int | None | Unset):
    """

    audit_log: bool
    max_payload_bytes: int
    notifications: bool
    retention_days: int
    events_per_month: int | None | Unset = UNSET
    max_webhooks: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        audit_log = self.audit_log

        max_payload_bytes = self.max_payload_bytes

        notifications = self.notifications

        retention_days = self.retention_days

        events_per_month: int | None | Unset
        if isinstance(self.events_per_month, Unset):
            events_per_month = UNSET
        else:
            events_per_month = self.events_per_month

        max_webhooks: int | None | Unset
        if isinstance(self.max_webhooks, Unset):
            max_webhooks = UNSET
        else:
            max_webhooks = self.max_webhooks

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "auditLog": audit_log,
                "maxPayloadBytes": max_payload_bytes,
                "notifications": notifications,
                "retentionDays": retention_days,
            }
        )
        if events_per_month is not UNSET:
            field_dict["eventsPerMonth"] = events_per_month
        if max_webhooks is not UNSET:
            field_dict["maxWebhooks"] = max_webhooks

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        audit_log = d.pop("auditLog")

        max_payload_bytes = d.pop("maxPayloadBytes")

        notifications = d.pop("notifications")

        retention_days = d.pop("retentionDays")

        def _parse_events_per_month(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        events_per_month = _parse_events_per_month(d.pop("eventsPerMonth", UNSET))

        def _parse_max_webhooks(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_webhooks = _parse_max_webhooks(d.pop("maxWebhooks", UNSET))

        tier_limits = cls(
            audit_log=audit_log,
            max_payload_bytes=max_payload_bytes,
            notifications=notifications,
            retention_days=retention_days,
            events_per_month=events_per_month,
            max_webhooks=max_webhooks,
        )

        tier_limits.additional_properties = d
        return tier_limits

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
