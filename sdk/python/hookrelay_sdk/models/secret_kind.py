from enum import StrEnum


class SecretKind(StrEnum):
    INGEST = "ingest"
    SIGNING = "signing"

    def __str__(self) -> str:
        return str(self.value)
