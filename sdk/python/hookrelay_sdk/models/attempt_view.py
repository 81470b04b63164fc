from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="AttemptView")


@_attrs_define
class AttemptView:
    """
    Example:
        {'attempt': 1, 'durationMs': 292, 'errorKind': None, 'errorMessage': None, 'id':
            'atm_01JQ3W7F9J4L6N8Q0S2U4W6Y8A', 'responseExcerpt': 'upstream unavailable', 'startedAt':
            '2026-03-14T15:31:00.120Z', 'statusCode': 503, 'webhookTimestamp': 1773502260}

    Attributes:
        attempt (int):
        duration_ms (int):
        id (str):
        started_at (str):
        webhook_timestamp (int): The `webhook-timestamp` header this attempt carried (unix seconds).
        error_kind (None | str | Unset): `timeout`, `connection_error`, `tls_error`, `destination_forbidden`
            or `request_error` when no HTTP response came back;
            `transformation_timeout`, `transformation_memory` or
            `transformation_error` when the endpoint's transformation failed
            (nothing was sent, and the delivery is dead at once).
        error_message (None | str | Unset):
        response_excerpt (None | str | Unset): The first 4 KiB of the response body.
        status_code (int | None | Unset):
    """

    attempt: int
    duration_ms: int
    id: str
    started_at: str
    webhook_timestamp: int
    error_kind: None | str | Unset = UNSET
    error_message: None | str | Unset = UNSET
    response_excerpt: None | str | Unset = UNSET
    status_code: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempt = self.attempt

        duration_ms = self.duration_ms

        id = self.id

        started_at = self.started_at

        webhook_timestamp = self.webhook_timestamp

        error_kind: None | str | Unset
        if isinstance(self.error_kind, Unset):
            error_kind = UNSET
        else:
            error_kind = self.error_kind

        error_message: None | str | Unset
        if isinstance(self.error_message, Unset):
            error_message = UNSET
        else:
            error_message = self.error_message

        response_excerpt: None | str | Unset
        if isinstance(self.response_excerpt, Unset):
            response_excerpt = UNSET
        else:
            response_excerpt = self.response_excerpt

        status_code: int | None | Unset
        if isinstance(self.status_code, Unset):
            status_code = UNSET
        else:
            status_code = self.status_code

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempt": attempt,
                "durationMs": duration_ms,
                "id": id,
                "startedAt": started_at,
                "webhookTimestamp": webhook_timestamp,
            }
        )
        if error_kind is not UNSET:
            field_dict["errorKind"] = error_kind
        if error_message is not UNSET:
            field_dict["errorMessage"] = error_message
        if response_excerpt is not UNSET:
            field_dict["responseExcerpt"] = response_excerpt
        if status_code is not UNSET:
            field_dict["statusCode"] = status_code

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        attempt = d.pop("attempt")

        duration_ms = d.pop("durationMs")

        id = d.pop("id")

        started_at = d.pop("startedAt")

        webhook_timestamp = d.pop("webhookTimestamp")

        def _parse_error_kind(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error_kind = _parse_error_kind(d.pop("errorKind", UNSET))

        def _parse_error_message(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error_message = _parse_error_message(d.pop("errorMessage", UNSET))

        def _parse_response_excerpt(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        response_excerpt = _parse_response_excerpt(d.pop("responseExcerpt", UNSET))

        def _parse_status_code(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        status_code = _parse_status_code(d.pop("statusCode", UNSET))

        attempt_view = cls(
            attempt=attempt,
            duration_ms=duration_ms,
            id=id,
            started_at=started_at,
            webhook_timestamp=webhook_timestamp,
            error_kind=error_kind,
            error_message=error_message,
            response_excerpt=response_excerpt,
            status_code=status_code,
        )

        attempt_view.additional_properties = d
        return attempt_view

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
