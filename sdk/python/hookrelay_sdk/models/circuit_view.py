from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.circuit_state_view import CircuitStateView
from ..types import UNSET, Unset

T = TypeVar("T", bound="CircuitView")


@_attrs_define
class CircuitView:
    """An endpoint's circuit breaker: `open` after failures in a row (its
    deliveries wait, not attempted), `half-open` once its probe may go,
    `closed` otherwise.

        Attributes:
            state (CircuitStateView):
            next_probe_at (None | str | Unset): While open: when the probe may go.
            since (None | str | Unset): When it entered its state (null if it never opened).
    """

    state: CircuitStateView
    next_probe_at: None | str | Unset = UNSET
    since: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        state = self.state.value

        next_probe_at: None | str | Unset
        if isinstance(self.next_probe_at, Unset):
            next_probe_at = UNSET
        else:
            next_probe_at = self.next_probe_at

        since: None | str | Unset
        if isinstance(self.since, Unset):
            since = UNSET
        else:
            since = self.since

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "state": state,
            }
        )
        if next_probe_at is not UNSET:
            field_dict["nextProbeAt"] = next_probe_at
        if since is not UNSET:
            field_dict["since"] = since

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        state = CircuitStateView(d.pop("state"))

        def _parse_next_probe_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        next_probe_at = _parse_next_probe_at(d.pop("nextProbeAt", UNSET))

        def _parse_since(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        since = _parse_since(d.pop("since", UNSET))

        circuit_view = cls(
            state=state,
            next_probe_at=next_probe_at,
            since=since,
        )

        circuit_view.additional_properties = d
        return circuit_view

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
