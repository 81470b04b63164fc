from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.delivery_status import DeliveryStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="ListTypedDeliveryViewDataItem")


@_attrs_define
class ListTypedDeliveryViewDataItem:
    """A delivery with its event's type.

    Attributes:
        attempt_count (int):
        created_at (str):
        event_id (str):
        id (str):
        status (DeliveryStatus): Where a delivery stands; `discarded` is a dead delivery an operator
            took out of the dead-letter queue, kept in history; `filtered` was
            never sent: its event did not match the endpoint's filter (a replay
            sends it); `cancelled` was never sent either: the endpoint's
            transformation returned null for it (a replay runs it again).
        updated_at (str):
        webhook_id (str):
        last_error (None | str | Unset):
        last_status_code (int | None | Unset):
        next_attempt_at (None | str | Unset):
        replay_of (None | str | Unset): The delivery this one replays.
        replayed_at (None | str | Unset): When this delivery was last replayed (which takes a dead one out of
            the dead-letter queue).
        event_type (None | str | Unset): The application message's event type; null for ingested events and
            schedule firings, which have none.
    """

    attempt_count: int
    created_at: str
    event_id: str
    id: str
    status: DeliveryStatus
    updated_at: str
    webhook_id: str
    last_error: None | str | Unset = UNSET
    last_status_code: int | None | Unset = UNSET
    next_attempt_at: None | str | Unset = UNSET
    replay_of: None | str | Unset = UNSET
    replayed_at: None | str | Unset = UNSET
    event_type: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempt_count = self.attempt_count

        created_at = self.created_at

        event_id = self.event_id

        id = self.id

        status = self.status.value

        updated_at = self.updated_at

        webhook_id = self.webhook_id

        last_error: None | str | Unset
        if isinstance(self.last_error, Unset):
            last_error = UNSET
        else:
            last_error = self.last_error

        last_status_code: int | None | Unset
        if isinstance(self.last_status_code, Unset):
            last_status_code = UNSET
        else:
            last_status_code = self.last_status_code

        next_attempt_at: None | str | Unset
        if isinstance(self.next_attempt_at, Unset):
            next_attempt_at = UNSET
        else:
            next_attempt_at = self.next_attempt_at

        replay_of: None | str | Unset
        if isinstance(self.replay_of, Unset):
            replay_of = UNSET
        else:
            replay_of = self.replay_of

        replayed_at: None | str | Unset
        if isinstance(self.replayed_at, Unset):
            replayed_at = UNSET
        else:
            replayed_at = self.replayed_at

        event_type: None | str | Unset
        if isinstance(self.event_type, Unset):
            event_type = UNSET
        else:
            event_type = self.event_type

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attemptCount": attempt_count,
                "createdAt": created_at,
                "eventId": event_id,
                "id": id,
                "status": status,
                "updatedAt": updated_at,
                "webhookId": webhook_id,
            }
        )
        if last_error is not UNSET:
            field_dict["lastError"] = last_error
        if last_status_code is not UNSET:
            field_dict["lastStatusCode"] = last_status_code
        if next_attempt_at is not UNSET:
            field_dict["nextAttemptAt"] = next_attempt_at
        if replay_of is not UNSET:
            field_dict["replayOf"] = replay_of
        if replayed_at is not UNSET:
            field_dict["replayedAt"] = replayed_at
        if event_type is not UNSET:
            field_dict["eventType"] = event_type

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        attempt_count = d.pop("attemptCount")

        created_at = d.pop("createdAt")

        event_id = d.pop("eventId")

        id = d.pop("id")

        status = DeliveryStatus(d.pop("status"))

        updated_at = d.pop("updatedAt")

        webhook_id = d.pop("webhookId")

        def _parse_last_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_error = _parse_last_error(d.pop("lastError", UNSET))

        def _parse_last_status_code(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        last_status_code = _parse_last_status_code(d.pop("lastStatusCode", UNSET))

        def _parse_next_attempt_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("nextAttemptAt", UNSET))

        def _parse_replay_of(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        replay_of = _parse_replay_of(d.pop("replayOf", UNSET))

        def _parse_replayed_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        replayed_at = _parse_replayed_at(d.pop("replayedAt", UNSET))

        def _parse_event_type(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        event_type = _parse_event_type(d.pop("eventType", UNSET))

        list_typed_delivery_view_data_item = cls(
            attempt_count=attempt_count,
            created_at=created_at,
            event_id=event_id,
            id=id,
            status=status,
            updated_at=updated_at,
            webhook_id=webhook_id,
            last_error=last_error,
            last_status_code=last_status_code,
            next_attempt_at=next_attempt_at,
            replay_of=replay_of,
            replayed_at=replayed_at,
            event_type=event_type,
        )

        list_typed_delivery_view_data_item.additional_properties = d
        return list_typed_delivery_view_data_item

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
