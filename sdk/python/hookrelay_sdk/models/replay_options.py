from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ReplayOptions")


@_attrs_define
class ReplayOptions:
    """How a single replay treats the endpoint's transformation.

    Attributes:
        rerun_transformation (bool | Unset): True: run the endpoint's current transformation on the event again.
            False (default): send the request the original's transformation
            produced, as it was (if it produced one).
    """

    rerun_transformation: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        rerun_transformation = self.rerun_transformation

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if rerun_transformation is not UNSET:
            field_dict["rerunTransformation"] = rerun_transformation

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        rerun_transformation = d.pop("rerunTransformation", UNSET)

        replay_options = cls(
            rerun_transformation=rerun_transformation,
        )

        return replay_options
