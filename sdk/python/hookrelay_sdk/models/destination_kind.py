from enum import StrEnum


class DestinationKind(StrEnum):
    HTTP = "http"
    LISTEN = "listen"

    def __str__(self) -> str:
        return str(self.value)
