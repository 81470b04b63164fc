from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.portal_token_view_scopes_item import PortalTokenViewScopesItem
from ..types import UNSET, Unset

T = TypeVar("T", bound="PortalTokenView")


@_attrs_define
class PortalTokenView:
    """
    Attributes:
        application_id (str):
        created_at (str):
        expires_at (str):
        id (str):
        name (str):
        prefix (str): The first characters of the token; never the token.
        scopes (list[PortalTokenViewScopesItem]):
        revoked_at (None | str | Unset):
        token (None | str | Unset): The raw token (`whpt_...`): only in the answer to create.
    """

    application_id: str
    created_at: str
    expires_at: str
    id: str
    name: str
    prefix: str
    scopes: list[PortalTokenViewScopesItem]
    revoked_at: None | str | Unset = UNSET
    token: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        application_id = self.application_id

        created_at = self.created_at

        expires_at = self.expires_at

        id = self.id

        name = self.name

        prefix = self.prefix

        scopes = []
        for scopes_item_data in self.scopes:
            scopes_item = scopes_item_data.value
            scopes.append(scopes_item)

        revoked_at: None | str | Unset
        if isinstance(self.revoked_at, Unset):
            revoked_at = UNSET
        else:
            revoked_at = self.revoked_at

        token: None | str | Unset
        if isinstance(self.token, Unset):
            token = UNSET
        else:
            token = self.token

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "applicationId": application_id,
                "createdAt": created_at,
                "expiresAt": expires_at,
                "id": id,
                "name": name,
                "prefix": prefix,
                "scopes": scopes,
            }
        )
        if revoked_at is not UNSET:
            field_dict["revokedAt"] = revoked_at
        if token is not UNSET:
            field_dict["token"] = token

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        application_id = d.pop("applicationId")

        created_at = d.pop("createdAt")

        expires_at = d.pop("expiresAt")

        id = d.pop("id")

        name = d.pop("name")

        prefix = d.pop("prefix")

        scopes = []
        _scopes = d.pop("scopes")
        for scopes_item_data in _scopes:
            scopes_item = PortalTokenViewScopesItem(scopes_item_data)

            scopes.append(scopes_item)

        def _parse_revoked_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        revoked_at = _parse_revoked_at(d.pop("revokedAt", UNSET))

        def _parse_token(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        token = _parse_token(d.pop("token", UNSET))

        portal_token_view = cls(
            application_id=application_id,
            created_at=created_at,
            expires_at=expires_at,
            id=id,
            name=name,
            prefix=prefix,
            scopes=scopes,
            revoked_at=revoked_at,
            token=token,
        )

        portal_token_view.additional_properties = d
        return portal_token_view

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
