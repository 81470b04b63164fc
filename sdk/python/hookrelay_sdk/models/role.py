from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    WRITE = "write"

    def __str__(self) -> str:
        return str(self.value)
