from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.tier_limits import TierLimits


T = TypeVar("T", bound="ProjectView")


@_attrs_define
class ProjectView:
    """
    Attributes:
        created_at (str):
        id (str):
        limits (TierLimits): A tier's limits and features; null is unlimited.
        max_endpoints_per_application (int): Endpoints one application (one portal customer) may have, so that
            no one customer fills the project's webhook quota; default 50.
        name (str):
        tier (str):
    """

    created_at: str
    id: str
    limits: TierLimits
    max_endpoints_per_application: int
    name: str
    tier: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at

        id = self.id

        limits = self.limits.to_dict()

        max_endpoints_per_application = self.max_endpoints_per_application

        name = self.name

        tier = self.tier

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "createdAt": created_at,
                "id": id,
                "limits": limits,
                "maxEndpointsPerApplication": max_endpoints_per_application,
                "name": name,
                "tier": tier,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.tier_limits import TierLimits  # noqa: PLC0415

        d = dict(src_dict)
        created_at = d.pop("createdAt")

        id = d.pop("id")

        limits = TierLimits.from_dict(d.pop("limits"))

        max_endpoints_per_application = d.pop("maxEndpointsPerApplication")

        name = d.pop("name")

        tier = d.pop("tier")

        project_view = cls(
            created_at=created_at,
            id=id,
            limits=limits,
            max_endpoints_per_application=max_endpoints_per_application,
            name=name,
            tier=tier,
        )

        project_view.additional_properties = d
        return project_view

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
