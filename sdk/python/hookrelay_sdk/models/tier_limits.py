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
        notifications (bool):
        events_per_month (int | None | Unset):
        max_payload_bytes (int | None | Unset):
        max_webhooks (int | None | Unset):
        retention_days (int | None | Unset):
    """

    audit_log: bool
    notifications: bool
    events_per_month: int | None | Unset = UNSET
    max_payload_bytes: int | None | Unset = UNSET
    max_webhooks: int | None | Unset = UNSET
    retention_days: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        audit_log = self.audit_log

        notifications = self.notifications

        events_per_month: int | None | Unset
        if isinstance(self.events_per_month, Unset):
            events_per_month = UNSET
        else:
            events_per_month = self.events_per_month

        max_payload_bytes: int | None | Unset
        if isinstance(self.max_payload_bytes, Unset):
            max_payload_bytes = UNSET
        else:
            max_payload_bytes = self.max_payload_bytes

        max_webhooks: int | None | Unset
        if isinstance(self.max_webhooks, Unset):
            max_webhooks = UNSET
        else:
            max_webhooks = self.max_webhooks

        retention_days: int | None | Unset
        if isinstance(self.retention_days, Unset):
            retention_days = UNSET
        else:
            retention_days = self.retention_days

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "auditLog": audit_log,
                "notifications": notifications,
            }
        )
        if events_per_month is not UNSET:
            field_dict["eventsPerMonth"] = events_per_month
        if max_payload_bytes is not UNSET:
            field_dict["maxPayloadBytes"] = max_payload_bytes
        if max_webhooks is not UNSET:
            field_dict["maxWebhooks"] = max_webhooks
        if retention_days is not UNSET:
            field_dict["retentionDays"] = retention_days

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        audit_log = d.pop("auditLog")

        notifications = d.pop("notifications")

        def _parse_events_per_month(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        events_per_month = _parse_events_per_month(d.pop("eventsPerMonth", UNSET))

        def _parse_max_payload_bytes(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_payload_bytes = _parse_max_payload_bytes(d.pop("maxPayloadBytes", UNSET))

        def _parse_max_webhooks(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_webhooks = _parse_max_webhooks(d.pop("maxWebhooks", UNSET))

        def _parse_retention_days(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        retention_days = _parse_retention_days(d.pop("retentionDays", UNSET))

        tier_limits = cls(
            audit_log=audit_log,
            notifications=notifications,
            events_per_month=events_per_month,
            max_payload_bytes=max_payload_bytes,
            max_webhooks=max_webhooks,
            retention_days=retention_days,
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
