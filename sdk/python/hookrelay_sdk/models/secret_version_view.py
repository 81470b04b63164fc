from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.secret_kind import SecretKind
from ..models.secret_version_view_status import SecretVersionViewStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="SecretVersionView")


@_attrs_define
class SecretVersionView:
    """
    Attributes:
        created_at (str):
        kind (SecretKind): Which kind of webhook secret.
        prefix (str):
        status (SecretVersionViewStatus):
        version (int):
        retired_at (None | str | Unset):
    """

    created_at: str
    kind: SecretKind
    prefix: str
    status: SecretVersionViewStatus
    version: int
    retired_at: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        kind = self.kind.value

        prefix = self.prefix

        status = self.status.value

        version = self.version

        retired_at: None | str | Unset
        if isinstance(self.retired_at, Unset):
            retired_at = UNSET
        else:
            retired_at = self.retired_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "createdAt": created_at,
                "kind": kind,
                "prefix": prefix,
                "status": status,
                "version": version,
            }
        )
        if retired_at is not UNSET:
            field_dict["retiredAt"] = retired_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = d.pop("createdAt")

        kind = SecretKind(d.pop("kind"))

        prefix = d.pop("prefix")

        status = SecretVersionViewStatus(d.pop("status"))

        version = d.pop("version")

        def _parse_retired_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        retired_at = _parse_retired_at(d.pop("retiredAt", UNSET))

        secret_version_view = cls(
            created_at=created_at,
            kind=kind,
            prefix=prefix,
            status=status,
            version=version,
            retired_at=retired_at,
        )

        secret_version_view.additional_properties = d
        return secret_version_view

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
