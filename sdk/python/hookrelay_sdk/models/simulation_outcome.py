from enum import StrEnum


class SimulationOutcome(StrEnum):
    CANCELLED = "cancelled"
    FAILED = "failed"
    SEND = "send"

    def __str__(self) -> str:
        return str(self.value)
