from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="UpdateApplication")


@_attrs_define
class UpdateApplication:
    """
    Attributes:
        metadata (Any | Unset):
        name (None | str | Unset):
        portal_frame_ancestors (list[str] | None | Unset): `null` allows any origin again.
        uid (None | str | Unset): `null` removes the uid.
    """

    metadata: Any | Unset = UNSET
    name: None | str | Unset = UNSET
    portal_frame_ancestors: list[str] | None | Unset = UNSET
    uid: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        metadata = self.metadata

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

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

        field_dict.update({})
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if name is not UNSET:
            field_dict["name"] = name
        if portal_frame_ancestors is not UNSET:
            field_dict["portalFrameAncestors"] = portal_frame_ancestors
        if uid is not UNSET:
            field_dict["uid"] = uid

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        metadata = d.pop("metadata", UNSET)

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

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

        update_application = cls(
            metadata=metadata,
            name=name,
            portal_frame_ancestors=portal_frame_ancestors,
            uid=uid,
        )

        return update_application
