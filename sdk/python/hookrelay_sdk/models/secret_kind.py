from enum import StrEnum


class SecretKind(StrEnum):
    INGEST = "ingest"
    SIGNING = "signing"
    VERIFICATION = "verification"

    def __str__(self) -> str:
        return str(self.value)
