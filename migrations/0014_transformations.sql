-- Transformations: every version of an endpoint's transformation, kept and
-- never overwritten (the webhook points at its current one), and the
-- request a delivery's transformation produced (JSON), so that its retries
-- and replays resend what was transformed then.
CREATE TABLE transformation_versions (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    code TEXT NOT NULL,
    enabled BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_label TEXT NOT NULL
);
CREATE INDEX transformation_versions_webhook ON transformation_versions (webhook_id, id);
ALTER TABLE webhooks ADD COLUMN transformation_id TEXT;
ALTER TABLE deliveries ADD COLUMN transformed TEXT;
