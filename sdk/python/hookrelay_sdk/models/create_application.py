from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateApplication")


@_attrs_define
class CreateApplication:
    """
    Example:
        {'metadata': {'plan': 'gold'}, 'name': 'Acme Corp', 'uid': 'customer-42'}

    Attributes:
        name (str):
        metadata (Any | Unset): A JSON object (at most 16 KiB).
        portal_frame_ancestors (list[str] | None | Unset): Origins (`https://example.com`, `'self'` or `*`) allowed to
            frame
            the hosted portal; absent means any.
        uid (None | str | Unset):
    """

    name: str
    metadata: Any | Unset = UNSET
    portal_frame_ancestors: list[str] | None | Unset = UNSET
    uid: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        metadata = self.metadata

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

        field_dict.update(
            {
                "name": name,
            }
        )
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if portal_frame_ancestors is not UNSET:
            field_dict["portalFrameAncestors"] = portal_frame_ancestors
        if uid is not UNSET:
            field_dict["uid"] = uid

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        metadata = d.pop("metadata", UNSET)

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

        create_application = cls(
            name=name,
            metadata=metadata,
            portal_frame_ancestors=portal_frame_ancestors,
            uid=uid,
        )

        return create_application
