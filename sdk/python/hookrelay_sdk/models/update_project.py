from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="UpdateProject")


@_attrs_define
class UpdateProject:
    """The project's settings an admin key may change.

    Example:
        {'maxEndpointsPerApplication': 20}

    Attributes:
        max_endpoints_per_application (int | None | Unset): 1 to 10,000; null restores the default (50).
    """

    max_endpoints_per_application: int | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        max_endpoints_per_application: int | None | Unset
        if isinstance(self.max_endpoints_per_application, Unset):
            max_endpoints_per_application = UNSET
        else:
            max_endpoints_per_application = self.max_endpoints_per_application

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if max_endpoints_per_application is not UNSET:
            field_dict["maxEndpointsPerApplication"] = max_endpoints_per_application

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_max_endpoints_per_application(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_endpoints_per_application = _parse_max_endpoints_per_application(d.pop("maxEndpointsPerApplication", UNSET))

        update_project = cls(
            max_endpoints_per_application=max_endpoints_per_application,
        )

        return update_project
