from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.actor_view import ActorView
    from ..models.audit_entry_view_summary import AuditEntryViewSummary
    from ..models.target_view import TargetView


T = TypeVar("T", bound="AuditEntryView")


@_attrs_define
class AuditEntryView:
    """
    Attributes:
        action (str):
        actor (ActorView):
        created_at (str):
        id (str):
        summary (AuditEntryViewSummary): What changed; never a secret.
        target (TargetView):
        source_ip (None | str | Unset):
    """

    action: str
    actor: ActorView
    created_at: str
    id: str
    summary: AuditEntryViewSummary
    target: TargetView
    source_ip: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action = self.action

        actor = self.actor.to_dict()

        created_at = self.created_at

        id = self.id

        summary = self.summary.to_dict()

        target = self.target.to_dict()

        source_ip: None | str | Unset
        if isinstance(self.source_ip, Unset):
            source_ip = UNSET
        else:
            source_ip = self.source_ip

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "actor": actor,
                "createdAt": created_at,
                "id": id,
                "summary": summary,
                "target": target,
            }
        )
        if source_ip is not UNSET:
            field_dict["sourceIp"] = source_ip

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.actor_view import ActorView  # noqa: PLC0415
        from ..models.audit_entry_view_summary import AuditEntryViewSummary  # noqa: PLC0415
        from ..models.target_view import TargetView  # noqa: PLC0415

        d = dict(src_dict)
        action = d.pop("action")

        actor = ActorView.from_dict(d.pop("actor"))

        created_at = d.pop("createdAt")

        id = d.pop("id")

        summary = AuditEntryViewSummary.from_dict(d.pop("summary"))

        target = TargetView.from_dict(d.pop("target"))

        def _parse_source_ip(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        source_ip = _parse_source_ip(d.pop("sourceIp", UNSET))

        audit_entry_view = cls(
            action=action,
            actor=actor,
            created_at=created_at,
            id=id,
            summary=summary,
            target=target,
            source_ip=source_ip,
        )

        audit_entry_view.additional_properties = d
        return audit_entry_view

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
