from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.data_replay_job_view_data_status import DataReplayJobViewDataStatus
from ..models.delivery_status import DeliveryStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="DataReplayJobViewData")


@_attrs_define
class DataReplayJobViewData:
    """
    Attributes:
        created_at (str):
        dead_letters_only (bool):
        id (str):
        progress (int): 0 to 100; 100 once completed.
        rate_per_second (int):
        replayed (int): Replays created so far.
        status (DataReplayJobViewDataStatus):
        total (int): Deliveries that matched when the job was created.
        updated_at (str):
        finished_at (None | str | Unset):
        from_ (None | str | Unset):
        status_filter (DeliveryStatus | None | Unset):
        to (None | str | Unset):
        webhook_id (None | str | Unset):
    """

    created_at: str
    dead_letters_only: bool
    id: str
    progress: int
    rate_per_second: int
    replayed: int
    status: DataReplayJobViewDataStatus
    total: int
    updated_at: str
    finished_at: None | str | Unset = UNSET
    from_: None | str | Unset = UNSET
    status_filter: DeliveryStatus | None | Unset = UNSET
    to: None | str | Unset = UNSET
    webhook_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        dead_letters_only = self.dead_letters_only

        id = self.id

        progress = self.progress

        rate_per_second = self.rate_per_second

        replayed = self.replayed

        status = self.status.value

        total = self.total

        updated_at = self.updated_at

        finished_at: None | str | Unset
        if isinstance(self.finished_at, Unset):
            finished_at = UNSET
        else:
            finished_at = self.finished_at

        from_: None | str | Unset
        if isinstance(self.from_, Unset):
            from_ = UNSET
        else:
            from_ = self.from_

        status_filter: None | str | Unset
        if isinstance(self.status_filter, Unset):
            status_filter = UNSET
        elif isinstance(self.status_filter, DeliveryStatus):
            status_filter = self.status_filter.value
        else:
            status_filter = self.status_filter

        to: None | str | Unset
        if isinstance(self.to, Unset):
            to = UNSET
        else:
            to = self.to

        webhook_id: None | str | Unset
        if isinstance(self.webhook_id, Unset):
            webhook_id = UNSET
        else:
            webhook_id = self.webhook_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "createdAt": created_at,
                "deadLettersOnly": dead_letters_only,
                "id": id,
                "progress": progress,
                "ratePerSecond": rate_per_second,
                "replayed": replayed,
                "status": status,
                "total": total,
                "updatedAt": updated_at,
            }
        )
        if finished_at is not UNSET:
            field_dict["finishedAt"] = finished_at
        if from_ is not UNSET:
            field_dict["from"] = from_
        if status_filter is not UNSET:
            field_dict["statusFilter"] = status_filter
        if to is not UNSET:
            field_dict["to"] = to
        if webhook_id is not UNSET:
            field_dict["webhookId"] = webhook_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = d.pop("createdAt")

        dead_letters_only = d.pop("deadLettersOnly")

        id = d.pop("id")

        progress = d.pop("progress")

        rate_per_second = d.pop("ratePerSecond")

        replayed = d.pop("replayed")

        status = DataReplayJobViewDataStatus(d.pop("status"))

        total = d.pop("total")

        updated_at = d.pop("updatedAt")

        def _parse_finished_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        finished_at = _parse_finished_at(d.pop("finishedAt", UNSET))

        def _parse_from_(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        from_ = _parse_from_(d.pop("from", UNSET))

        def _parse_status_filter(data: object) -> DeliveryStatus | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_filter_type_1 = DeliveryStatus(data)

                return status_filter_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DeliveryStatus | None | Unset, data)

        status_filter = _parse_status_filter(d.pop("statusFilter", UNSET))

        def _parse_to(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        to = _parse_to(d.pop("to", UNSET))

        def _parse_webhook_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        webhook_id = _parse_webhook_id(d.pop("webhookId", UNSET))

        data_replay_job_view_data = cls(
            created_at=created_at,
            dead_letters_only=dead_letters_only,
            id=id,
            progress=progress,
            rate_per_second=rate_per_second,
            replayed=replayed,
            status=status,
            total=total,
            updated_at=updated_at,
            finished_at=finished_at,
            from_=from_,
            status_filter=status_filter,
            to=to,
            webhook_id=webhook_id,
        )

        data_replay_job_view_data.additional_properties = d
        return data_replay_job_view_data

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
