from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.destination_kind import DestinationKind
from ..models.ordering import Ordering
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.create_webhook_filter_type_0 import CreateWebhookFilterType0
    from ..models.create_webhook_headers import CreateWebhookHeaders
    from ..models.verification import Verification


T = TypeVar("T", bound="CreateWebhook")


@_attrs_define
class CreateWebhook:
    """
    Example:
        {'destinationUrl': 'https://example.com/hooks/orders', 'headers': {'x-team': 'warehouse'}, 'name': 'orders',
            'timeoutSeconds': 10}

    Attributes:
        destination_url (str):
        name (str):
        application_id (None | str | Unset): Makes the webhook an endpoint of this application (its id or uid).
        description (str | Unset):
        destination_kind (DestinationKind | None | Unset):
        enabled (bool | Unset):
        event_types (list[str] | None | Unset): For application endpoints: the event types received (known types
            only); absent means all.
        filter_ (CreateWebhookFilterType0 | None | Unset): Sends only the events that match, e.g. `{"path": "type",
            "in":
            ["invoice.paid"]}`; see the README for the language.
        headers (CreateWebhookHeaders | Unset):
        max_in_flight (int | None | Unset): Most requests in flight to it at once, 1 to 1000; absent: the
            server's default.
        ordering (None | Ordering | Unset):
        rate_limit (int | None | Unset): Most deliveries started per second, 1 to 10000; absent: unlimited.
        retry_schedule (list[int] | None | Unset): Retry delays in seconds (at most 20 entries of at most 7 days).
        timeout_seconds (int | None | Unset): 1 to 30 seconds (default 15).
        verification (None | Unset | Verification):
    """

    destination_url: str
    name: str
    application_id: None | str | Unset = UNSET
    description: str | Unset = UNSET
    destination_kind: DestinationKind | None | Unset = UNSET
    enabled: bool | Unset = UNSET
    event_types: list[str] | None | Unset = UNSET
    filter_: CreateWebhookFilterType0 | None | Unset = UNSET
    headers: CreateWebhookHeaders | Unset = UNSET
    max_in_flight: int | None | Unset = UNSET
    ordering: None | Ordering | Unset = UNSET
    rate_limit: int | None | Unset = UNSET
    retry_schedule: list[int] | None | Unset = UNSET
    timeout_seconds: int | None | Unset = UNSET
    verification: None | Unset | Verification = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.create_webhook_filter_type_0 import CreateWebhookFilterType0  # noqa: PLC0415
        from ..models.verification import Verification  # noqa: PLC0415

        destination_url = self.destination_url

        name = self.name

        application_id: None | str | Unset
        if isinstance(self.application_id, Unset):
            application_id = UNSET
        else:
            application_id = self.application_id

        description = self.description

        destination_kind: None | str | Unset
        if isinstance(self.destination_kind, Unset):
            destination_kind = UNSET
        elif isinstance(self.destination_kind, DestinationKind):
            destination_kind = self.destination_kind.value
        else:
            destination_kind = self.destination_kind

        enabled = self.enabled

        event_types: list[str] | None | Unset
        if isinstance(self.event_types, Unset):
            event_types = UNSET
        elif isinstance(self.event_types, list):
            event_types = self.event_types

        else:
            event_types = self.event_types

        filter_: dict[str, Any] | None | Unset
        if isinstance(self.filter_, Unset):
            filter_ = UNSET
        elif isinstance(self.filter_, CreateWebhookFilterType0):
            filter_ = self.filter_.to_dict()
        else:
            filter_ = self.filter_

        headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.headers, Unset):
            headers = self.headers.to_dict()

        max_in_flight: int | None | Unset
        if isinstance(self.max_in_flight, Unset):
            max_in_flight = UNSET
        else:
            max_in_flight = self.max_in_flight

        ordering: None | str | Unset
        if isinstance(self.ordering, Unset):
            ordering = UNSET
        elif isinstance(self.ordering, Ordering):
            ordering = self.ordering.value
        else:
            ordering = self.ordering

        rate_limit: int | None | Unset
        if isinstance(self.rate_limit, Unset):
            rate_limit = UNSET
        else:
            rate_limit = self.rate_limit

        retry_schedule: list[int] | None | Unset
        if isinstance(self.retry_schedule, Unset):
            retry_schedule = UNSET
        elif isinstance(self.retry_schedule, list):
            retry_schedule = self.retry_schedule

        else:
            retry_schedule = self.retry_schedule

        timeout_seconds: int | None | Unset
        if isinstance(self.timeout_seconds, Unset):
            timeout_seconds = UNSET
        else:
            timeout_seconds = self.timeout_seconds

        verification: dict[str, Any] | None | Unset
        if isinstance(self.verification, Unset):
            verification = UNSET
        elif isinstance(self.verification, Verification):
            verification = self.verification.to_dict()
        else:
            verification = self.verification

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "destinationUrl": destination_url,
                "name": name,
            }
        )
        if application_id is not UNSET:
            field_dict["applicationId"] = application_id
        if description is not UNSET:
            field_dict["description"] = description
        if destination_kind is not UNSET:
            field_dict["destinationKind"] = destination_kind
        if enabled is not UNSET:
            field_dict["enabled"] = enabled
        if event_types is not UNSET:
            field_dict["eventTypes"] = event_types
        if filter_ is not UNSET:
            field_dict["filter"] = filter_
        if headers is not UNSET:
            field_dict["headers"] = headers
        if max_in_flight is not UNSET:
            field_dict["maxInFlight"] = max_in_flight
        if ordering is not UNSET:
            field_dict["ordering"] = ordering
        if rate_limit is not UNSET:
            field_dict["rateLimit"] = rate_limit
        if retry_schedule is not UNSET:
            field_dict["retrySchedule"] = retry_schedule
        if timeout_seconds is not UNSET:
            field_dict["timeoutSeconds"] = timeout_seconds
        if verification is not UNSET:
            field_dict["verification"] = verification

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.create_webhook_filter_type_0 import CreateWebhookFilterType0  # noqa: PLC0415
        from ..models.create_webhook_headers import CreateWebhookHeaders  # noqa: PLC0415
        from ..models.verification import Verification  # noqa: PLC0415

        d = dict(src_dict)
        destination_url = d.pop("destinationUrl")

        name = d.pop("name")

        def _parse_application_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        application_id = _parse_application_id(d.pop("applicationId", UNSET))

        description = d.pop("description", UNSET)

        def _parse_destination_kind(data: object) -> DestinationKind | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                destination_kind_type_1 = DestinationKind(data)

                return destination_kind_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DestinationKind | None | Unset, data)

        destination_kind = _parse_destination_kind(d.pop("destinationKind", UNSET))

        enabled = d.pop("enabled", UNSET)

        def _parse_event_types(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                event_types_type_0 = cast(list[str], data)

                return event_types_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        event_types = _parse_event_types(d.pop("eventTypes", UNSET))

        def _parse_filter_(data: object) -> CreateWebhookFilterType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                filter_type_0 = CreateWebhookFilterType0.from_dict(data)

                return filter_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CreateWebhookFilterType0 | None | Unset, data)

        filter_ = _parse_filter_(d.pop("filter", UNSET))

        _headers = d.pop("headers", UNSET)
        headers: CreateWebhookHeaders | Unset
        if isinstance(_headers, Unset):
            headers = UNSET
        else:
            headers = CreateWebhookHeaders.from_dict(_headers)

        def _parse_max_in_flight(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_in_flight = _parse_max_in_flight(d.pop("maxInFlight", UNSET))

        def _parse_ordering(data: object) -> None | Ordering | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                ordering_type_1 = Ordering(data)

                return ordering_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Ordering | Unset, data)

        ordering = _parse_ordering(d.pop("ordering", UNSET))

        def _parse_rate_limit(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rate_limit = _parse_rate_limit(d.pop("rateLimit", UNSET))

        def _parse_retry_schedule(data: object) -> list[int] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                retry_schedule_type_0 = cast(list[int], data)

                return retry_schedule_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[int] | None | Unset, data)

        retry_schedule = _parse_retry_schedule(d.pop("retrySchedule", UNSET))

        def _parse_timeout_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        timeout_seconds = _parse_timeout_seconds(d.pop("timeoutSeconds", UNSET))

        def _parse_verification(data: object) -> None | Unset | Verification:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                verification_type_1 = Verification.from_dict(data)

                return verification_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | Verification, data)

        verification = _parse_verification(d.pop("verification", UNSET))

        create_webhook = cls(
            destination_url=destination_url,
            name=name,
            application_id=application_id,
            description=description,
            destination_kind=destination_kind,
            enabled=enabled,
            event_types=event_types,
            filter_=filter_,
            headers=headers,
            max_in_flight=max_in_flight,
            ordering=ordering,
            rate_limit=rate_limit,
            retry_schedule=retry_schedule,
            timeout_seconds=timeout_seconds,
            verification=verification,
        )

        return create_webhook
