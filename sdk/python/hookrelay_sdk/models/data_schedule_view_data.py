from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.data_schedule_view_data_status import DataScheduleViewDataStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.data_schedule_view_data_headers import DataScheduleViewDataHeaders


T = TypeVar("T", bound="DataScheduleViewData")


@_attrs_define
class DataScheduleViewData:
    """
    Attributes:
        content_type (str):
        created_at (str):
        headers (DataScheduleViewDataHeaders):
        id (str):
        name (str):
        payload (str):
        status (DataScheduleViewDataStatus):
        time_zone (str):
        updated_at (str):
        webhook_id (str):
        cron (None | str | Unset):
        last_delivery_id (None | str | Unset): The delivery the last firing created.
        last_run_at (None | str | Unset):
        next_run_at (None | str | Unset):
        run_at (None | str | Unset):
    """

    content_type: str
    created_at: str
    headers: DataScheduleViewDataHeaders
    id: str
    name: str
    payload: str
    status: DataScheduleViewDataStatus
    time_zone: str
    updated_at: str
    webhook_id: str
    cron: None | str | Unset = UNSET
    last_delivery_id: None | str | Unset = UNSET
    last_run_at: None | str | Unset = UNSET
    next_run_at: None | str | Unset = UNSET
    run_at: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        content_type = self.content_type

        created_at = self.created_at

        headers = self.headers.to_dict()

        id = self.id

        name = self.name

        payload = self.payload

        status = self.status.value

        time_zone = self.time_zone

        updated_at = self.updated_at

        webhook_id = self.webhook_id

        cron: None | str | Unset
        if isinstance(self.cron, Unset):
            cron = UNSET
        else:
            cron = self.cron

        last_delivery_id: None | str | Unset
        if isinstance(self.last_delivery_id, Unset):
            last_delivery_id = UNSET
        else:
            last_delivery_id = self.last_delivery_id

        last_run_at: None | str | Unset
        if isinstance(self.last_run_at, Unset):
            last_run_at = UNSET
        else:
            last_run_at = self.last_run_at

        next_run_at: None | str | Unset
        if isinstance(self.next_run_at, Unset):
            next_run_at = UNSET
        else:
            next_run_at = self.next_run_at

        run_at: None | str | Unset
        if isinstance(self.run_at, Unset):
            run_at = UNSET
        else:
            run_at = self.run_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "contentType": content_type,
                "createdAt": created_at,
                "headers": headers,
                "id": id,
                "name": name,
                "payload": payload,
                "status": status,
                "timeZone": time_zone,
                "updatedAt": updated_at,
                "webhookId": webhook_id,
            }
        )
        if cron is not UNSET:
            field_dict["cron"] = cron
        if last_delivery_id is not UNSET:
            field_dict["lastDeliveryId"] = last_delivery_id
        if last_run_at is not UNSET:
            field_dict["lastRunAt"] = last_run_at
        if next_run_at is not UNSET:
            field_dict["nextRunAt"] = next_run_at
        if run_at is not UNSET:
            field_dict["runAt"] = run_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.data_schedule_view_data_headers import DataScheduleViewDataHeaders  # noqa: PLC0415

        d = dict(src_dict)
        content_type = d.pop("contentType")

        created_at = d.pop("createdAt")

        headers = DataScheduleViewDataHeaders.from_dict(d.pop("headers"))

        id = d.pop("id")

        name = d.pop("name")

        payload = d.pop("payload")

        status = DataScheduleViewDataStatus(d.pop("status"))

        time_zone = d.pop("timeZone")

        updated_at = d.pop("updatedAt")

        webhook_id = d.pop("webhookId")

        def _parse_cron(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cron = _parse_cron(d.pop("cron", UNSET))

        def _parse_last_delivery_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_delivery_id = _parse_last_delivery_id(d.pop("lastDeliveryId", UNSET))

        def _parse_last_run_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_run_at = _parse_last_run_at(d.pop("lastRunAt", UNSET))

        def _parse_next_run_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        next_run_at = _parse_next_run_at(d.pop("nextRunAt", UNSET))

        def _parse_run_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        run_at = _parse_run_at(d.pop("runAt", UNSET))

        data_schedule_view_data = cls(
            content_type=content_type,
            created_at=created_at,
            headers=headers,
            id=id,
            name=name,
            payload=payload,
            status=status,
            time_zone=time_zone,
            updated_at=updated_at,
            webhook_id=webhook_id,
            cron=cron,
            last_delivery_id=last_delivery_id,
            last_run_at=last_run_at,
            next_run_at=next_run_at,
            run_at=run_at,
        )

        data_schedule_view_data.additional_properties = d
        return data_schedule_view_data

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
