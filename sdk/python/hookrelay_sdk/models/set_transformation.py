from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SetTransformation")


@_attrs_define
class SetTransformation:
    """
    Example:
        {'code': "function handler(event) { if (event.payload.test) return null; return { body: event.payload, headers:
            { 'x-kind': event.eventType } } }", 'enabled': True}

    Attributes:
        code (None | str | Unset): JavaScript defining `handler(event)` (at most 64 KiB); absent keeps
            the current version's. `handler` returns `{body, headers?, method?,
            url?}` or null, which cancels the delivery.
        enabled (bool | Unset): Default true.
    """

    code: None | str | Unset = UNSET
    enabled: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        code: None | str | Unset
        if isinstance(self.code, Unset):
            code = UNSET
        else:
            code = self.code

        enabled = self.enabled

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if code is not UNSET:
            field_dict["code"] = code
        if enabled is not UNSET:
            field_dict["enabled"] = enabled

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_code(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        code = _parse_code(d.pop("code", UNSET))

        enabled = d.pop("enabled", UNSET)

        set_transformation = cls(
            code=code,
            enabled=enabled,
        )

        return set_transformation
