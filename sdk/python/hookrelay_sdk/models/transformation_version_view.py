from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TransformationVersionView")


@_attrs_define
class TransformationVersionView:
    """One kept version.

    Attributes:
        actor_label (str):
        actor_type (str): Who set it, as in the audit log: `api_key`, `user` or `portal`.
        code (str):
        code_sha_256 (str): SHA-256 of `code`, hex: tells versions apart at a glance.
        created_at (str):
        enabled (bool):
        id (str):
    """

    actor_label: str
    actor_type: str
    code: str
    code_sha_256: str
    created_at: str
    enabled: bool
    id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        actor_label = self.actor_label

        actor_type = self.actor_type

        code = self.code

        code_sha_256 = self.code_sha_256

        created_at = self.created_at

        enabled = self.enabled

        id = self.id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "actorLabel": actor_label,
                "actorType": actor_type,
                "code": code,
                "codeSha256": code_sha_256,
                "createdAt": created_at,
                "enabled": enabled,
                "id": id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        actor_label = d.pop("actorLabel")

        actor_type = d.pop("actorType")

        code = d.pop("code")

        code_sha_256 = d.pop("codeSha256")

        created_at = d.pop("createdAt")

        enabled = d.pop("enabled")

        id = d.pop("id")

        transformation_version_view = cls(
            actor_label=actor_label,
            actor_type=actor_type,
            code=code,
            code_sha_256=code_sha_256,
            created_at=created_at,
            enabled=enabled,
            id=id,
        )

        transformation_version_view.additional_properties = d
        return transformation_version_view

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
