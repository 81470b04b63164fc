from enum import StrEnum


class VerificationProvider(StrEnum):
    BASIC = "basic"
    GITHUB = "github"
    HMAC = "hmac"
    SHOPIFY = "shopify"
    SLACK = "slack"
    STANDARD_WEBHOOKS = "standard-webhooks"
    STRIPE = "stripe"
    TWILIO = "twilio"

    def __str__(self) -> str:
        return str(self.value)
