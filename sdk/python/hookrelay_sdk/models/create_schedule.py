from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.create_schedule_headers import CreateScheduleHeaders
    from ..models.create_schedule_payload import CreateSchedulePayload


T = TypeVar("T", bound="CreateSchedule")


@_attrs_define
class CreateSchedule:
    """
    Attributes:
        payload (CreateSchedulePayload): The event body: a string is sent as is, anything else as JSON.
        content_type (None | str | Unset): Default `application/json`.
        cron (None | str | Unset): Standard 5-field cron (`0 9 * * 1-5`), or 6 fields with seconds first.
        headers (CreateScheduleHeaders | Unset): Extra request headers of every firing, sent in addition to the
            webhook's (replacing a webhook header of the same name).
        name (str | Unset):
        run_at (None | str | Unset): Fire once at this RFC 3339 time instead of on a cron schedule.
        time_zone (None | str | Unset): IANA time zone of `cron` (default `UTC`).
    """

    payload: CreateSchedulePayload
    content_type: None | str | Unset = UNSET
    cron: None | str | Unset = UNSET
    headers: CreateScheduleHeaders | Unset = UNSET
    name: str | Unset = UNSET
    run_at: None | str | Unset = UNSET
    time_zone: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        payload = self.payload.to_dict()

        content_type: None | str | Unset
        if isinstance(self.content_type, Unset):
            content_type = UNSET
        else:
            content_type = self.content_type

        cron: None | str | Unset
        if isinstance(self.cron, Unset):
            cron = UNSET
        else:
            cron = self.cron

        headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.headers, Unset):
            headers = self.headers.to_dict()

        name = self.name

        run_at: None | str | Unset
        if isinstance(self.run_at, Unset):
            run_at = UNSET
        else:
            run_at = self.run_at

        time_zone: None | str | Unset
        if isinstance(self.time_zone, Unset):
            time_zone = UNSET
        else:
            time_zone = self.time_zone

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "payload": payload,
            }
        )
        if content_type is not UNSET:
            field_dict["contentType"] = content_type
        if cron is not UNSET:
            field_dict["cron"] = cron
        if headers is not UNSET:
            field_dict["headers"] = headers
        if name is not UNSET:
            field_dict["name"] = name
        if run_at is not UNSET:
            field_dict["runAt"] = run_at
        if time_zone is not UNSET:
            field_dict["timeZone"] = time_zone

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.create_schedule_headers import CreateScheduleHeaders  # noqa: PLC0415
        from ..models.create_schedule_payload import CreateSchedulePayload  # noqa: PLC0415

        d = dict(src_dict)
        payload = CreateSchedulePayload.from_dict(d.pop("payload"))

        def _parse_content_type(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        content_type = _parse_content_type(d.pop("contentType", UNSET))

        def _parse_cron(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cron = _parse_cron(d.pop("cron", UNSET))

        _headers = d.pop("headers", UNSET)
        headers: CreateScheduleHeaders | Unset
        if isinstance(_headers, Unset):
            headers = UNSET
        else:
            headers = CreateScheduleHeaders.from_dict(_headers)

        name = d.pop("name", UNSET)

        def _parse_run_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        run_at = _parse_run_at(d.pop("runAt", UNSET))

        def _parse_time_zone(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        time_zone = _parse_time_zone(d.pop("timeZone", UNSET))

        create_schedule = cls(
            payload=payload,
            content_type=content_type,
            cron=cron,
            headers=headers,
            name=name,
            run_at=run_at,
            time_zone=time_zone,
        )

        return create_schedule
