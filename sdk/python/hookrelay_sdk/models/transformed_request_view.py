from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.transformed_request_view_headers import TransformedRequestViewHeaders


T = TypeVar("T", bound="TransformedRequestView")


@_attrs_define
class TransformedRequestView:
    """A request a transformation produced, as sent.

    Attributes:
        body (str):
        headers (TransformedRequestViewHeaders): The headers the script set (in `requestHeaders` too).
        method (str):
        url (str):
        version_id (str): The transformation version that produced it.
    """

    body: str
    headers: TransformedRequestViewHeaders
    method: str
    url: str
    version_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        body = self.body

        headers = self.headers.to_dict()

        method = self.method

        url = self.url

        version_id = self.version_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "body": body,
                "headers": headers,
                "method": method,
                "url": url,
                "versionId": version_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.transformed_request_view_headers import TransformedRequestViewHeaders  # noqa: PLC0415

        d = dict(src_dict)
        body = d.pop("body")

        headers = TransformedRequestViewHeaders.from_dict(d.pop("headers"))

        method = d.pop("method")

        url = d.pop("url")

        version_id = d.pop("versionId")

        transformed_request_view = cls(
            body=body,
            headers=headers,
            method=method,
            url=url,
            version_id=version_id,
        )

        transformed_request_view.additional_properties = d
        return transformed_request_view

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
