from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.data_usage_report_data_granularity import DataUsageReportDataGranularity
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.usage_bucket_view import UsageBucketView
    from ..models.usage_counts import UsageCounts


T = TypeVar("T", bound="DataUsageReportData")


@_attrs_define
class DataUsageReportData:
    """
    Attributes:
        buckets (list[UsageBucketView]): Every bucket of the window, oldest first, zeros included.
        from_ (str):
        granularity (DataUsageReportDataGranularity):
        to (str):
        totals (UsageCounts):
        webhook_id (None | str | Unset):
    """

    buckets: list[UsageBucketView]
    from_: str
    granularity: DataUsageReportDataGranularity
    to: str
    totals: UsageCounts
    webhook_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        buckets = []
        for buckets_item_data in self.buckets:
            buckets_item = buckets_item_data.to_dict()
            buckets.append(buckets_item)

        from_ = self.from_

        granularity = self.granularity.value

        to = self.to

        totals = self.totals.to_dict()

        webhook_id: None | str | Unset
        if isinstance(self.webhook_id, Unset):
            webhook_id = UNSET
        else:
            webhook_id = self.webhook_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "buckets": buckets,
                "from": from_,
                "granularity": granularity,
                "to": to,
                "totals": totals,
            }
        )
        if webhook_id is not UNSET:
            field_dict["webhookId"] = webhook_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.usage_bucket_view import UsageBucketView  # noqa: PLC0415
        from ..models.usage_counts import UsageCounts  # noqa: PLC0415

        d = dict(src_dict)
        buckets = []
        _buckets = d.pop("buckets")
        for buckets_item_data in _buckets:
            buckets_item = UsageBucketView.from_dict(buckets_item_data)

            buckets.append(buckets_item)

        from_ = d.pop("from")

        granularity = DataUsageReportDataGranularity(d.pop("granularity"))

        to = d.pop("to")

        totals = UsageCounts.from_dict(d.pop("totals"))

        def _parse_webhook_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        webhook_id = _parse_webhook_id(d.pop("webhookId", UNSET))

        data_usage_report_data = cls(
            buckets=buckets,
            from_=from_,
            granularity=granularity,
            to=to,
            totals=totals,
            webhook_id=webhook_id,
        )

        data_usage_report_data.additional_properties = d
        return data_usage_report_data

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
