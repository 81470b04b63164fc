from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.destination_kind import DestinationKind
from ..models.ordering import Ordering
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.circuit_view import CircuitView
    from ..models.data_webhook_view_data_filter_type_0 import DataWebhookViewDataFilterType0
    from ..models.data_webhook_view_data_headers import DataWebhookViewDataHeaders
    from ..models.verification import Verification


T = TypeVar("T", bound="DataWebhookViewData")


@_attrs_define
class DataWebhookViewData:
    """
    Example:
        {'applicationId': None, 'circuit': {'nextProbeAt': None, 'since': None, 'state': 'closed'}, 'createdAt':
            '2026-03-14T15:30:00.000Z', 'description': 'Order events for the warehouse', 'destinationKind': 'http',
            'destinationUrl': 'https://example.com/hooks/orders', 'disabledReason': None, 'enabled': True, 'eventTypes':
            None, 'headers': {'x-team': 'warehouse'}, 'heldCount': 0, 'id': 'wh_01JQ3W5Y0V2D9K8N4T6R7S1B2C', 'ingestUrl':
            'https://hooks.example.com/v1/ingest/k3v9qz7m2x8p4r6t', 'maxInFlight': None, 'name': 'orders', 'ordering':
            'none', 'rateLimit': 50, 'retrySchedule': [5, 300, 1800, 7200, 18000, 36000, 36000], 'timeoutSeconds': 15,
            'updatedAt': '2026-03-14T15:30:00.000Z'}

    Attributes:
        circuit (CircuitView): An endpoint's circuit breaker: `open` after failures in a row (its
            deliveries wait, not attempted), `half-open` once its probe may go,
            `closed` otherwise.
        created_at (str):
        description (str):
        destination_kind (DestinationKind): Where a webhook's deliveries go: `http` POSTs to its destination URL;
            `listen` sends them through a `hookrelay listen` connection, which
            forwards them to its destination URL on the developer's machine.
        destination_url (str):
        enabled (bool):
        headers (DataWebhookViewDataHeaders):
        held_count (int): Deliveries held while it is disabled; enabling it releases them,
            within `maxInFlight` and `rateLimit`.
        id (str):
        name (str):
        ordering (Ordering): How an endpoint's deliveries are ordered: `fifo` sends one at a time
            (per ordering key) in ingest order.
        retry_schedule (list[int]): Delays in seconds before each retry; the default unless overridden.
        timeout_seconds (int):
        updated_at (str):
        application_id (None | str | Unset): The application this webhook is an endpoint of, if any.
        disabled_reason (None | str | Unset): Set when Hookrelay disabled the webhook because its deliveries kept
            dying; cleared by enabling it again.
        event_types (list[str] | None | Unset): The event types it receives; absent or null means all.
        filter_ (DataWebhookViewDataFilterType0 | None | Unset): Which events it is sent (a filter over the payload and
            headers);
            null: all. Events that do not match are recorded `filtered`.
        ingest_secret (None | str | Unset): Shown once, in the answer to create.
        ingest_url (None | str | Unset): Absent in the Portal API: ingest belongs to the project.
        max_in_flight (int | None | Unset): Most requests in flight to this endpoint, all nodes together; null:
            the server's default (`--endpoint-max-in-flight`, 20 unless set).
        rate_limit (int | None | Unset): Most deliveries started per second; null: unlimited.
        signing_secret (None | str | Unset): Shown once, in the answer to create.
        verification (None | Unset | Verification):
        verification_secret (None | str | Unset): Shown once: the verification secret Hookrelay generated when the
            provider was set (or rotated) without one.
    """

    circuit: CircuitView
    created_at: str
    description: str
    destination_kind: DestinationKind
    destination_url: str
    enabled: bool
    headers: DataWebhookViewDataHeaders
    held_count: int
    id: str
    name: str
    ordering: Ordering
    retry_schedule: list[int]
    timeout_seconds: int
    updated_at: str
    application_id: None | str | Unset = UNSET
    disabled_reason: None | str | Unset = UNSET
    event_types: list[str] | None | Unset = UNSET
    filter_: DataWebhookViewDataFilterType0 | None | Unset = UNSET
    ingest_secret: None | str | Unset = UNSET
    ingest_url: None | str | Unset = UNSET
    max_in_flight: int | None | Unset = UNSET
    rate_limit: int | None | Unset = UNSET
    signing_secret: None | str | Unset = UNSET
    verification: None | Unset | Verification = UNSET
    verification_secret: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.data_webhook_view_data_filter_type_0 import DataWebhookViewDataFilterType0  # noqa: PLC0415
        from ..models.verification import Verification  # noqa: PLC0415

        circuit = self.circuit.to_dict()

        created_at = self.created_at

        description = self.description

        destination_kind = self.destination_kind.value

        destination_url = self.destination_url

        enabled = self.enabled

        headers = self.headers.to_dict()

        held_count = self.held_count

        id = self.id

        name = self.name

        ordering = self.ordering.value

        retry_schedule = self.retry_schedule

        timeout_seconds = self.timeout_seconds

        updated_at = self.updated_at

        application_id: None | str | Unset
        if isinstance(self.application_id, Unset):
            application_id = UNSET
        else:
            application_id = self.application_id

        disabled_reason: None | str | Unset
        if isinstance(self.disabled_reason, Unset):
            disabled_reason = UNSET
        else:
            disabled_reason = self.disabled_reason

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
        elif isinstance(self.filter_, DataWebhookViewDataFilterType0):
            filter_ = self.filter_.to_dict()
        else:
            filter_ = self.filter_

        ingest_secret: None | str | Unset
        if isinstance(self.ingest_secret, Unset):
            ingest_secret = UNSET
        else:
            ingest_secret = self.ingest_secret

        ingest_url: None | str | Unset
        if isinstance(self.ingest_url, Unset):
            ingest_url = UNSET
        else:
            ingest_url = self.ingest_url

        max_in_flight: int | None | Unset
        if isinstance(self.max_in_flight, Unset):
            max_in_flight = UNSET
        else:
            max_in_flight = self.max_in_flight

        rate_limit: int | None | Unset
        if isinstance(self.rate_limit, Unset):
            rate_limit = UNSET
        else:
            rate_limit = self.rate_limit

        signing_secret: None | str | Unset
        if isinstance(self.signing_secret, Unset):
            signing_secret = UNSET
        else:
            signing_secret = self.signing_secret

        verification: dict[str, Any] | None | Unset
        if isinstance(self.verification, Unset):
            verification = UNSET
        elif isinstance(self.verification, Verification):
            verification = self.verification.to_dict()
        else:
            verification = self.verification

        verification_secret: None | str | Unset
        if isinstance(self.verification_secret, Unset):
            verification_secret = UNSET
        else:
            verification_secret = self.verification_secret

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "circuit": circuit,
                "createdAt": created_at,
                "description": description,
                "destinationKind": destination_kind,
                "destinationUrl": destination_url,
                "enabled": enabled,
                "headers": headers,
                "heldCount": held_count,
                "id": id,
                "name": name,
                "ordering": ordering,
                "retrySchedule": retry_schedule,
                "timeoutSeconds": timeout_seconds,
                "updatedAt": updated_at,
            }
        )
        if application_id is not UNSET:
            field_dict["applicationId"] = application_id
        if disabled_reason is not UNSET:
            field_dict["disabledReason"] = disabled_reason
        if event_types is not UNSET:
            field_dict["eventTypes"] = event_types
        if filter_ is not UNSET:
            field_dict["filter"] = filter_
        if ingest_secret is not UNSET:
            field_dict["ingestSecret"] = ingest_secret
        if ingest_url is not UNSET:
            field_dict["ingestUrl"] = ingest_url
        if max_in_flight is not UNSET:
            field_dict["maxInFlight"] = max_in_flight
        if rate_limit is not UNSET:
            field_dict["rateLimit"] = rate_limit
        if signing_secret is not UNSET:
            field_dict["signingSecret"] = signing_secret
        if verification is not UNSET:
            field_dict["verification"] = verification
        if verification_secret is not UNSET:
            field_dict["verificationSecret"] = verification_secret

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.circuit_view import CircuitView  # noqa: PLC0415
        from ..models.data_webhook_view_data_filter_type_0 import DataWebhookViewDataFilterType0  # noqa: PLC0415
        from ..models.data_webhook_view_data_headers import DataWebhookViewDataHeaders  # noqa: PLC0415
        from ..models.verification import Verification  # noqa: PLC0415

        d = dict(src_dict)
        circuit = CircuitView.from_dict(d.pop("circuit"))

        created_at = d.pop("createdAt")

        description = d.pop("description")

        destination_kind = DestinationKind(d.pop("destinationKind"))

        destination_url = d.pop("destinationUrl")

        enabled = d.pop("enabled")

        headers = DataWebhookViewDataHeaders.from_dict(d.pop("headers"))

        held_count = d.pop("heldCount")

        id = d.pop("id")

        name = d.pop("name")

        ordering = Ordering(d.pop("ordering"))

        retry_schedule = cast(list[int], d.pop("retrySchedule"))

        timeout_seconds = d.pop("timeoutSeconds")

        updated_at = d.pop("updatedAt")

        def _parse_application_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        application_id = _parse_application_id(d.pop("applicationId", UNSET))

        def _parse_disabled_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        disabled_reason = _parse_disabled_reason(d.pop("disabledReason", UNSET))

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

        def _parse_filter_(data: object) -> DataWebhookViewDataFilterType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                filter_type_0 = DataWebhookViewDataFilterType0.from_dict(data)

                return filter_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DataWebhookViewDataFilterType0 | None | Unset, data)

        filter_ = _parse_filter_(d.pop("filter", UNSET))

        def _parse_ingest_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ingest_secret = _parse_ingest_secret(d.pop("ingestSecret", UNSET))

        def _parse_ingest_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ingest_url = _parse_ingest_url(d.pop("ingestUrl", UNSET))

        def _parse_max_in_flight(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_in_flight = _parse_max_in_flight(d.pop("maxInFlight", UNSET))

        def _parse_rate_limit(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rate_limit = _parse_rate_limit(d.pop("rateLimit", UNSET))

        def _parse_signing_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        signing_secret = _parse_signing_secret(d.pop("signingSecret", UNSET))

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

        def _parse_verification_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        verification_secret = _parse_verification_secret(d.pop("verificationSecret", UNSET))

        data_webhook_view_data = cls(
            circuit=circuit,
            created_at=created_at,
            description=description,
            destination_kind=destination_kind,
            destination_url=destination_url,
            enabled=enabled,
            headers=headers,
            held_count=held_count,
            id=id,
            name=name,
            ordering=ordering,
            retry_schedule=retry_schedule,
            timeout_seconds=timeout_seconds,
            updated_at=updated_at,
            application_id=application_id,
            disabled_reason=disabled_reason,
            event_types=event_types,
            filter_=filter_,
            ingest_secret=ingest_secret,
            ingest_url=ingest_url,
            max_in_flight=max_in_flight,
            rate_limit=rate_limit,
            signing_secret=signing_secret,
            verification=verification,
            verification_secret=verification_secret,
        )

        data_webhook_view_data.additional_properties = d
        return data_webhook_view_data

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
