-- Delivery that isolates endpoints: each webhook's limits, ordering and
-- circuit; which node sends to which endpoint; the queue indexed per
-- endpoint (claims are per endpoint now), and held deliveries indexed for
-- their counts.
ALTER TABLE webhooks ADD COLUMN max_in_flight BIGINT;
ALTER TABLE webhooks ADD COLUMN rate_limit BIGINT;
ALTER TABLE webhooks ADD COLUMN ordering TEXT NOT NULL DEFAULT 'none';
ALTER TABLE webhooks ADD COLUMN circuit_state TEXT NOT NULL DEFAULT 'closed';
ALTER TABLE webhooks ADD COLUMN circuit_since BIGINT;
ALTER TABLE webhooks ADD COLUMN circuit_next_probe_at BIGINT;
ALTER TABLE events ADD COLUMN ordering_key TEXT;
CREATE TABLE endpoint_owners (
    webhook_id TEXT PRIMARY KEY,
    node TEXT NOT NULL,
    lease_until BIGINT NOT NULL
);
DROP INDEX deliveries_due;
CREATE INDEX deliveries_queue ON deliveries (webhook_id, next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX deliveries_held ON deliveries (webhook_id) WHERE next_attempt_at IS NULL AND status = 'pending';
