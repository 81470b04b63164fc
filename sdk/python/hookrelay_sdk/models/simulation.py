from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.simulation_outcome import SimulationOutcome
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.simulated_request import SimulatedRequest
    from ..models.simulation_failure import SimulationFailure


T = TypeVar("T", bound="Simulation")


@_attrs_define
class Simulation:
    """
    Attributes:
        outcome (SimulationOutcome):
        error (None | SimulationFailure | Unset):
        request (None | SimulatedRequest | Unset):
    """

    outcome: SimulationOutcome
    error: None | SimulationFailure | Unset = UNSET
    request: None | SimulatedRequest | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.simulated_request import SimulatedRequest  # noqa: PLC0415
        from ..models.simulation_failure import SimulationFailure  # noqa: PLC0415

        outcome = self.outcome.value

        error: dict[str, Any] | None | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        elif isinstance(self.error, SimulationFailure):
            error = self.error.to_dict()
        else:
            error = self.error

        request: dict[str, Any] | None | Unset
        if isinstance(self.request, Unset):
            request = UNSET
        elif isinstance(self.request, SimulatedRequest):
            request = self.request.to_dict()
        else:
            request = self.request

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "outcome": outcome,
            }
        )
        if error is not UNSET:
            field_dict["error"] = error
        if request is not UNSET:
            field_dict["request"] = request

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.simulated_request import SimulatedRequest  # noqa: PLC0415
        from ..models.simulation_failure import SimulationFailure  # noqa: PLC0415

        d = dict(src_dict)
        outcome = SimulationOutcome(d.pop("outcome"))

        def _parse_error(data: object) -> None | SimulationFailure | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                error_type_1 = SimulationFailure.from_dict(data)

                return error_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SimulationFailure | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        def _parse_request(data: object) -> None | SimulatedRequest | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                request_type_1 = SimulatedRequest.from_dict(data)

                return request_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SimulatedRequest | Unset, data)

        request = _parse_request(d.pop("request", UNSET))

        simulation = cls(
            outcome=outcome,
            error=error,
            request=request,
        )

        simulation.additional_properties = d
        return simulation

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
