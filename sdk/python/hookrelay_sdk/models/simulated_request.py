from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.simulated_request_headers import SimulatedRequestHeaders


T = TypeVar("T", bound="SimulatedRequest")


@_attrs_define
class SimulatedRequest:
    """
    Attributes:
        body (str): The body sent: a string returned as is, anything else as JSON.
        headers (SimulatedRequestHeaders): The endpoint's and the event's headers with the script's over them
            (the signature headers are added when sent).
        method (str):
        url (str):
    """

    body: str
    headers: SimulatedRequestHeaders
    method: str
    url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        body = self.body

        headers = self.headers.to_dict()

        method = self.method

        url = self.url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "body": body,
                "headers": headers,
                "method": method,
                "url": url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.simulated_request_headers import SimulatedRequestHeaders  # noqa: PLC0415

        d = dict(src_dict)
        body = d.pop("body")

        headers = SimulatedRequestHeaders.from_dict(d.pop("headers"))

        method = d.pop("method")

        url = d.pop("url")

        simulated_request = cls(
            body=body,
            headers=headers,
            method=method,
            url=url,
        )

        simulated_request.additional_properties = d
        return simulated_request

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
