from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.api_key_view_status import ApiKeyViewStatus
from ..models.role import Role
from ..types import UNSET, Unset

T = TypeVar("T", bound="ApiKeyView")


@_attrs_define
class ApiKeyView:
    """
    Example:
        {'createdAt': '2026-03-14T15:00:00.000Z', 'id': 'key_01JQ3VZ3M5N7P9R1T3V5X7Z9B1', 'name': 'deploy bot',
            'prefix': 'swk_8Hq2', 'revokedAt': None, 'role': 'write', 'rotatedAt': None, 'status': 'active'}

    Attributes:
        created_at (str):
        id (str):
        name (str):
        prefix (str): The first characters of the key, to recognise it; never the secret.
        role (Role): What a project API key may do.
        status (ApiKeyViewStatus):
        revoked_at (None | str | Unset):
        rotated_at (None | str | Unset):
        secret (None | str | Unset): The raw key: present only in the answer to create and rotate.
    """

    created_at: str
    id: str
    name: str
    prefix: str
    role: Role
    status: ApiKeyViewStatus
    revoked_at: None | str | Unset = UNSET
    rotated_at: None | str | Unset = UNSET
    secret: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        id = self.id

        name = self.name

        prefix = self.prefix

        role = self.role.value

        status = self.status.value

        revoked_at: None | str | Unset
        if isinstance(self.revoked_at, Unset):
            revoked_at = UNSET
        else:
            revoked_at = self.revoked_at

        rotated_at: None | str | Unset
        if isinstance(self.rotated_at, Unset):
            rotated_at = UNSET
        else:
            rotated_at = self.rotated_at

        secret: None | str | Unset
        if isinstance(self.secret, Unset):
            secret = UNSET
        else:
            secret = self.secret

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "createdAt": created_at,
                "id": id,
                "name": name,
                "prefix": prefix,
                "role": role,
                "status": status,
            }
        )
        if revoked_at is not UNSET:
            field_dict["revokedAt"] = revoked_at
        if rotated_at is not UNSET:
            field_dict["rotatedAt"] = rotated_at
        if secret is not UNSET:
            field_dict["secret"] = secret

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = d.pop("createdAt")

        id = d.pop("id")

        name = d.pop("name")

        prefix = d.pop("prefix")

        role = Role(d.pop("role"))

        status = ApiKeyViewStatus(d.pop("status"))

        def _parse_revoked_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        revoked_at = _parse_revoked_at(d.pop("revokedAt", UNSET))

        def _parse_rotated_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        rotated_at = _parse_rotated_at(d.pop("rotatedAt", UNSET))

        def _parse_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        secret = _parse_secret(d.pop("secret", UNSET))

        api_key_view = cls(
            created_at=created_at,
            id=id,
            name=name,
            prefix=prefix,
            role=role,
            status=status,
            revoked_at=revoked_at,
            rotated_at=rotated_at,
            secret=secret,
        )

        api_key_view.additional_properties = d
        return api_key_view

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
