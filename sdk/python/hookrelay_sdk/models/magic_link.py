from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.magic_link_scopes_item import MagicLinkScopesItem

T = TypeVar("T", bound="MagicLink")


@_attrs_define
class MagicLink:
    """
    Example:
        {'expiresAt': '2026-03-14T15:30:00.000Z', 'expiresInMinutes': 60, 'scopes': ['read', 'write'], 'token':
            'whpt_abc123', 'url': 'https://hooks.example.com/portal/whpt_abc123'}

    Attributes:
        expires_at (str):
        expires_in_minutes (int):
        scopes (list[MagicLinkScopesItem]):
        token (str): The session token, `whpt_...`.
        url (str): `<public URL>/portal/<token>`: the hosted portal.
    """

    expires_at: str
    expires_in_minutes: int
    scopes: list[MagicLinkScopesItem]
    token: str
    url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        expires_at = self.expires_at

        expires_in_minutes = self.expires_in_minutes

        scopes = []
        for scopes_item_data in self.scopes:
            scopes_item = scopes_item_data.value
            scopes.append(scopes_item)

        token = self.token

        url = self.url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "expiresAt": expires_at,
                "expiresInMinutes": expires_in_minutes,
                "scopes": scopes,
                "token": token,
                "url": url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        expires_at = d.pop("expiresAt")

        expires_in_minutes = d.pop("expiresInMinutes")

        scopes = []
        _scopes = d.pop("scopes")
        for scopes_item_data in _scopes:
            scopes_item = MagicLinkScopesItem(scopes_item_data)

            scopes.append(scopes_item)

        token = d.pop("token")

        url = d.pop("url")

        magic_link = cls(
            expires_at=expires_at,
            expires_in_minutes=expires_in_minutes,
            scopes=scopes,
            token=token,
            url=url,
        )

        magic_link.additional_properties = d
        return magic_link

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
