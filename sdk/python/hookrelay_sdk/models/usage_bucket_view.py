from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="UsageBucketView")


@_attrs_define
class UsageBucketView:
    """
    Attributes:
        attempts (int):
        bytes_in (int): Event bytes received.
        bytes_out (int): Body bytes sent to destinations that answered.
        dead (int): Deliveries that ran out of retries.
        deliveries (int): Deliveries created (one per event, plus replays).
        events (int): Events ingested.
        failures (int): Attempts that failed (any other answer, or none).
        refused (int): Requests an ingest URL refused (a bad signature or secret); not
            stored, not counted as events.
        successes (int): Attempts answered 2xx.
        start (str):
    """

    attempts: int
    bytes_in: int
    bytes_out: int
    dead: int
    deliveries: int
    events: int
    failures: int
    refused: int
    successes: int
    start: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempts = self.attempts

        bytes_in = self.bytes_in

        bytes_out = self.bytes_out

        dead = self.dead

        deliveries = self.deliveries

        events = self.events

        failures = self.failures

        refused = self.refused

        successes = self.successes

        start = self.start

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempts": attempts,
                "bytesIn": bytes_in,
                "bytesOut": bytes_out,
                "dead": dead,
                "deliveries": deliveries,
                "events": events,
                "failures": failures,
                "refused": refused,
                "successes": successes,
                "start": start,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        attempts = d.pop("attempts")

        bytes_in = d.pop("bytesIn")

        bytes_out = d.pop("bytesOut")

        dead = d.pop("dead")

        deliveries = d.pop("deliveries")

        events = d.pop("events")

        failures = d.pop("failures")

        refused = d.pop("refused")

        successes = d.pop("successes")

        start = d.pop("start")

        usage_bucket_view = cls(
            attempts=attempts,
            bytes_in=bytes_in,
            bytes_out=bytes_out,
            dead=dead,
            deliveries=deliveries,
            events=events,
            failures=failures,
            refused=refused,
            successes=successes,
            start=start,
        )

        usage_bucket_view.additional_properties = d
        return usage_bucket_view

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
