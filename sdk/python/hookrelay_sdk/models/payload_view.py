from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="PayloadView")


@_attrs_define
class PayloadView:
    """The stored payload, byte for byte.

    Attributes:
        content_type (str):
        size_bytes (int):
        body (None | str | Unset): The body as text when it is valid UTF-8.
        body_base_64 (None | str | Unset): The body in base64 when it is not valid UTF-8.
    """

    content_type: str
    size_bytes: int
    body: None | str | Unset = UNSET
    body_base_64: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        content_type = self.content_type

        size_bytes = self.size_bytes

        body: None | str | Unset
        if isinstance(self.body, Unset):
            body = UNSET
        else:
            body = self.body

        body_base_64: None | str | Unset
        if isinstance(self.body_base_64, Unset):
            body_base_64 = UNSET
        else:
            body_base_64 = self.body_base_64

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "contentType": content_type,
                "sizeBytes": size_bytes,
            }
        )
        if body is not UNSET:
            field_dict["body"] = body
        if body_base_64 is not UNSET:
            field_dict["bodyBase64"] = body_base_64

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        content_type = d.pop("contentType")

        size_bytes = d.pop("sizeBytes")

        def _parse_body(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        body = _parse_body(d.pop("body", UNSET))

        def _parse_body_base_64(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        body_base_64 = _parse_body_base_64(d.pop("bodyBase64", UNSET))

        payload_view = cls(
            content_type=content_type,
            size_bytes=size_bytes,
            body=body,
            body_base_64=body_base_64,
        )

        payload_view.additional_properties = d
        return payload_view

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
