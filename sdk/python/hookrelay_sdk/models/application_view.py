from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="ApplicationView")


@_attrs_define
class ApplicationView:
    """
    Example:
        {'createdAt': '2026-03-14T16:00:00.000Z', 'id': 'app_01JQ3X0A2C4E6G8J0L2N4Q6S8U', 'metadata': {'plan': 'gold'},
            'name': 'Acme Corp', 'portalFrameAncestors': ['https://app.acme.example'], 'uid': 'customer-42', 'updatedAt':
            '2026-03-14T16:00:00.000Z'}

    Attributes:
        created_at (str):
        id (str):
        metadata (Any):
        name (str):
        updated_at (str):
        portal_frame_ancestors (list[str] | None | Unset): Origins allowed to frame the hosted portal; null means any.
        uid (None | str | Unset): The project's own id for this customer; usable in place of `id`.
    """

    created_at: str
    id: str
    metadata: Any
    name: str
    updated_at: str
    portal_frame_ancestors: list[str] | None | Unset = UNSET
    uid: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        id = self.id

        metadata = self.metadata

        name = self.name

        updated_at = self.updated_at

        portal_frame_ancestors: list[str] | None | Unset
        if isinstance(self.portal_frame_ancestors, Unset):
            portal_frame_ancestors = UNSET
        elif isinstance(self.portal_frame_ancestors, list):
            portal_frame_ancestors = self.portal_frame_ancestors

        else:
            portal_frame_ancestors = self.portal_frame_ancestors

        uid: None | str | Unset
        if isinstance(self.uid, Unset):
            uid = UNSET
        else:
            uid = self.uid

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "createdAt": created_at,
                "id": id,
                "metadata": metadata,
                "name": name,
                "updatedAt": updated_at,
            }
        )
        if portal_frame_ancestors is not UNSET:
            field_dict["portalFrameAncestors"] = portal_frame_ancestors
        if uid is not UNSET:
            field_dict["uid"] = uid

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = d.pop("createdAt")

        id = d.pop("id")

        metadata = d.pop("metadata")

        name = d.pop("name")

        updated_at = d.pop("updatedAt")

        def _parse_portal_frame_ancestors(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                portal_frame_ancestors_type_0 = cast(list[str], data)

                return portal_frame_ancestors_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        portal_frame_ancestors = _parse_portal_frame_ancestors(d.pop("portalFrameAncestors", UNSET))

        def _parse_uid(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        uid = _parse_uid(d.pop("uid", UNSET))

        application_view = cls(
            created_at=created_at,
            id=id,
            metadata=metadata,
            name=name,
            updated_at=updated_at,
            portal_frame_ancestors=portal_frame_ancestors,
            uid=uid,
        )

        application_view.additional_properties = d
        return application_view

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
