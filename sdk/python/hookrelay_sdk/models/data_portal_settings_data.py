from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="DataPortalSettingsData")


@_attrs_define
class DataPortalSettingsData:
    """
    Attributes:
        portal_frame_ancestors (list[str] | None | Unset): Origins (`https://example.com`, `'self'` or `*`) allowed to
            frame the
            hosted portal of applications that set none themselves; null = any.
    """

    portal_frame_ancestors: list[str] | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        portal_frame_ancestors: list[str] | None | Unset
        if isinstance(self.portal_frame_ancestors, Unset):
            portal_frame_ancestors = UNSET
        elif isinstance(self.portal_frame_ancestors, list):
            portal_frame_ancestors = self.portal_frame_ancestors

        else:
            portal_frame_ancestors = self.portal_frame_ancestors

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if portal_frame_ancestors is not UNSET:
            field_dict["portalFrameAncestors"] = portal_frame_ancestors

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

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

        data_portal_settings_data = cls(
            portal_frame_ancestors=portal_frame_ancestors,
        )

        return data_portal_settings_data
