from enum import StrEnum


class DeliveryStatus(StrEnum):
    CANCELLED = "cancelled"
    DEAD = "dead"
    DELIVERING = "delivering"
    DISCARDED = "discarded"
    FAILED_RETRYING = "failed-retrying"
    FILTERED = "filtered"
    PENDING = "pending"
    SUCCEEDED = "succeeded"

    def __str__(self) -> str:
        return str(self.value)
