from enum import StrEnum


class SecretVersionViewStatus(StrEnum):
    ACTIVE = "active"
    OVERLAPPING = "overlapping"
    RETIRED = "retired"

    def __str__(self) -> str:
        return str(self.value)
