from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ListChannelViewDataItem")


@_attrs_define
class ListChannelViewDataItem:
    """
    Attributes:
        created_at (str):
        description (str):
        id (str):
        signing_secret_prefix (str): The first characters of the signing secret.
        url (str):
        signing_secret (None | str | Unset): Shown once, in the answer to create: verify notifications with it
            exactly like deliveries (Standard Webhooks).
    """

    created_at: str
    description: str
    id: str
    signing_secret_prefix: str
    url: str
    signing_secret: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        description = self.description

        id = self.id

        signing_secret_prefix = self.signing_secret_prefix

        url = self.url

        signing_secret: None | str | Unset
        if isinstance(self.signing_secret, Unset):
            signing_secret = UNSET
        else:
            signing_secret = self.signing_secret

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "createdAt": created_at,
                "description": description,
                "id": id,
                "signingSecretPrefix": signing_secret_prefix,
                "url": url,
            }
        )
        if signing_secret is not UNSET:
            field_dict["signingSecret"] = signing_secret

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = d.pop("createdAt")

        description = d.pop("description")

        id = d.pop("id")

        signing_secret_prefix = d.pop("signingSecretPrefix")

        url = d.pop("url")

        def _parse_signing_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        signing_secret = _parse_signing_secret(d.pop("signingSecret", UNSET))

        list_channel_view_data_item = cls(
            created_at=created_at,
            description=description,
            id=id,
            signing_secret_prefix=signing_secret_prefix,
            url=url,
            signing_secret=signing_secret,
        )

        list_channel_view_data_item.additional_properties = d
        return list_channel_view_data_item

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
