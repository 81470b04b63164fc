from enum import StrEnum


class CircuitStateView(StrEnum):
    CLOSED = "closed"
    HALF_OPEN = "half-open"
    OPEN = "open"

    def __str__(self) -> str:
        return str(self.value)
