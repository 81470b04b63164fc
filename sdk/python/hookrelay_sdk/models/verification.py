from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.hmac_algorithm import HmacAlgorithm
from ..models.signature_encoding import SignatureEncoding
from ..models.verification_provider import VerificationProvider
from ..types import UNSET, Unset

T = TypeVar("T", bound="Verification")


@_attrs_define
class Verification:
    """How a webhook's ingest URL verifies requests. The provider's secret is
    not part of it: it is stored encrypted, as a secret version of kind
    `verification`.

        Example:
            {'provider': 'github', 'requireIngestSecret': False}

        Attributes:
            provider (VerificationProvider):
            algorithm (HmacAlgorithm | None | Unset):
            encoding (None | SignatureEncoding | Unset):
            header (None | str | Unset): hmac: the header carrying the signature.
            prefix (None | str | Unset): hmac: text before the signature in the header, e.g. `sha256=`.
            require_ingest_secret (bool | Unset): False (default): the provider's signature replaces the bearer ingest
                secret. True: both are required (not with `basic`, which takes the
                same header).
            timestamp_header (None | str | Unset): hmac: a header with a unix timestamp; when set, what is signed is
                `{timestamp}.{body}` and the timestamp must be within tolerance.
            tolerance_seconds (int | None | Unset): Timestamped providers (stripe, slack, standard-webhooks, hmac with
                `timestampHeader`): how far the signed timestamp may be from the
                server's clock, 1 to 86400 seconds (default 300).
            username (None | str | Unset): basic: the expected user name.
    """

    provider: VerificationProvider
    algorithm: HmacAlgorithm | None | Unset = UNSET
    encoding: None | SignatureEncoding | Unset = UNSET
    header: None | str | Unset = UNSET
    prefix: None | str | Unset = UNSET
    require_ingest_secret: bool | Unset = UNSET
    timestamp_header: None | str | Unset = UNSET
    tolerance_seconds: int | None | Unset = UNSET
    username: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        provider = self.provider.value

        algorithm: None | str | Unset
        if isinstance(self.algorithm, Unset):
            algorithm = UNSET
        elif isinstance(self.algorithm, HmacAlgorithm):
            algorithm = self.algorithm.value
        else:
            algorithm = self.algorithm

        encoding: None | str | Unset
        if isinstance(self.encoding, Unset):
            encoding = UNSET
        elif isinstance(self.encoding, SignatureEncoding):
            encoding = self.encoding.value
        else:
            encoding = self.encoding

        header: None | str | Unset
        if isinstance(self.header, Unset):
            header = UNSET
        else:
            header = self.header

        prefix: None | str | Unset
        if isinstance(self.prefix, Unset):
            prefix = UNSET
        else:
            prefix = self.prefix

        require_ingest_secret = self.require_ingest_secret

        timestamp_header: None | str | Unset
        if isinstance(self.timestamp_header, Unset):
            timestamp_header = UNSET
        else:
            timestamp_header = self.timestamp_header

        tolerance_seconds: int | None | Unset
        if isinstance(self.tolerance_seconds, Unset):
            tolerance_seconds = UNSET
        else:
            tolerance_seconds = self.tolerance_seconds

        username: None | str | Unset
        if isinstance(self.username, Unset):
            username = UNSET
        else:
            username = self.username

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "provider": provider,
            }
        )
        if algorithm is not UNSET:
            field_dict["algorithm"] = algorithm
        if encoding is not UNSET:
            field_dict["encoding"] = encoding
        if header is not UNSET:
            field_dict["header"] = header
        if prefix is not UNSET:
            field_dict["prefix"] = prefix
        if require_ingest_secret is not UNSET:
            field_dict["requireIngestSecret"] = require_ingest_secret
        if timestamp_header is not UNSET:
            field_dict["timestampHeader"] = timestamp_header
        if tolerance_seconds is not UNSET:
            field_dict["toleranceSeconds"] = tolerance_seconds
        if username is not UNSET:
            field_dict["username"] = username

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        provider = VerificationProvider(d.pop("provider"))

        def _parse_algorithm(data: object) -> HmacAlgorithm | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                algorithm_type_1 = HmacAlgorithm(data)

                return algorithm_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(HmacAlgorithm | None | Unset, data)

        algorithm = _parse_algorithm(d.pop("algorithm", UNSET))

        def _parse_encoding(data: object) -> None | SignatureEncoding | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                encoding_type_1 = SignatureEncoding(data)

                return encoding_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SignatureEncoding | Unset, data)

        encoding = _parse_encoding(d.pop("encoding", UNSET))

        def _parse_header(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        header = _parse_header(d.pop("header", UNSET))

        def _parse_prefix(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        prefix = _parse_prefix(d.pop("prefix", UNSET))

        require_ingest_secret = d.pop("requireIngestSecret", UNSET)

        def _parse_timestamp_header(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        timestamp_header = _parse_timestamp_header(d.pop("timestampHeader", UNSET))

        def _parse_tolerance_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        tolerance_seconds = _parse_tolerance_seconds(d.pop("toleranceSeconds", UNSET))

        def _parse_username(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        username = _parse_username(d.pop("username", UNSET))

        verification = cls(
            provider=provider,
            algorithm=algorithm,
            encoding=encoding,
            header=header,
            prefix=prefix,
            require_ingest_secret=require_ingest_secret,
            timestamp_header=timestamp_header,
            tolerance_seconds=tolerance_seconds,
            username=username,
        )

        return verification
