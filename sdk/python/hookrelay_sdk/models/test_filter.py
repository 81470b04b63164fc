from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.test_filter_filter import TestFilterFilter
    from ..models.test_filter_headers import TestFilterHeaders
    from ..models.test_filter_payload import TestFilterPayload


T = TypeVar("T", bound="TestFilter")


@_attrs_define
class TestFilter:
    """
    Example:
        {'filter': {'gte': 100, 'path': 'data.amount'}, 'payload': {'data': {'amount': 1200}, 'type': 'invoice.paid'}}

    Attributes:
        filter_ (TestFilterFilter): The filter, as it would be set on a webhook or endpoint.
        payload (TestFilterPayload): A sample event body.
        headers (TestFilterHeaders | Unset): Sample request headers, for conditions on headers.
    """

    filter_: TestFilterFilter
    payload: TestFilterPayload
    headers: TestFilterHeaders | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        filter_ = self.filter_.to_dict()

        payload = self.payload.to_dict()

        headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.headers, Unset):
            headers = self.headers.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "filter": filter_,
                "payload": payload,
            }
        )
        if headers is not UNSET:
            field_dict["headers"] = headers

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.test_filter_filter import TestFilterFilter  # noqa: PLC0415
        from ..models.test_filter_headers import TestFilterHeaders  # noqa: PLC0415
        from ..models.test_filter_payload import TestFilterPayload  # noqa: PLC0415

        d = dict(src_dict)
        filter_ = TestFilterFilter.from_dict(d.pop("filter"))

        payload = TestFilterPayload.from_dict(d.pop("payload"))

        _headers = d.pop("headers", UNSET)
        headers: TestFilterHeaders | Unset
        if isinstance(_headers, Unset):
            headers = UNSET
        else:
            headers = TestFilterHeaders.from_dict(_headers)

        test_filter = cls(
            filter_=filter_,
            payload=payload,
            headers=headers,
        )

        return test_filter
