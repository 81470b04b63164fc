-- Receiving from providers: how a webhook's ingest verifies requests (JSON;
-- the provider's secret is a webhook_secrets row of kind 'verification'),
-- its payload filter, the last refusals of its ingest URL, and refusals
-- counted in usage.
ALTER TABLE webhooks ADD COLUMN verification TEXT;
ALTER TABLE webhooks ADD COLUMN filter TEXT;
ALTER TABLE usage_counters ADD COLUMN refused BIGINT NOT NULL DEFAULT 0;
CREATE TABLE ingest_refusals (
    id TEXT PRIMARY KEY,
    webhook_id TEXT NOT NULL,
    at BIGINT NOT NULL,
    status BIGINT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX ingest_refusals_webhook ON ingest_refusals (webhook_id, id);
