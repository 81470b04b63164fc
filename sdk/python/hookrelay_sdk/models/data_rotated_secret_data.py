from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="DataRotatedSecretData")


@_attrs_define
class DataRotatedSecretData:
    """
    Example:
        {'previousRetiredAt': '2026-03-15T15:30:00.000Z', 'signingSecret': 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
            'version': 2}

    Attributes:
        previous_retired_at (str): When the previous version stops being valid.
        version (int):
        ingest_secret (None | str | Unset):
        signing_secret (None | str | Unset):
        verification_secret (None | str | Unset): Set when Hookrelay generated the new verification secret.
    """

    previous_retired_at: str
    version: int
    ingest_secret: None | str | Unset = UNSET
    signing_secret: None | str | Unset = UNSET
    verification_secret: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        previous_retired_at = self.previous_retired_at

        version = self.version

        ingest_secret: None | str | Unset
        if isinstance(self.ingest_secret, Unset):
            ingest_secret = UNSET
        else:
            ingest_secret = self.ingest_secret

        signing_secret: None | str | Unset
        if isinstance(self.signing_secret, Unset):
            signing_secret = UNSET
        else:
            signing_secret = self.signing_secret

        verification_secret: None | str | Unset
        if isinstance(self.verification_secret, Unset):
            verification_secret = UNSET
        else:
            verification_secret = self.verification_secret

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "previousRetiredAt": previous_retired_at,
                "version": version,
            }
        )
        if ingest_secret is not UNSET:
            field_dict["ingestSecret"] = ingest_secret
        if signing_secret is not UNSET:
            field_dict["signingSecret"] = signing_secret
        if verification_secret is not UNSET:
            field_dict["verificationSecret"] = verification_secret

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        previous_retired_at = d.pop("previousRetiredAt")

        version = d.pop("version")

        def _parse_ingest_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ingest_secret = _parse_ingest_secret(d.pop("ingestSecret", UNSET))

        def _parse_signing_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        signing_secret = _parse_signing_secret(d.pop("signingSecret", UNSET))

        def _parse_verification_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        verification_secret = _parse_verification_secret(d.pop("verificationSecret", UNSET))

        data_rotated_secret_data = cls(
            previous_retired_at=previous_retired_at,
            version=version,
            ingest_secret=ingest_secret,
            signing_secret=signing_secret,
            verification_secret=verification_secret,
        )

        data_rotated_secret_data.additional_properties = d
        return data_rotated_secret_data

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
