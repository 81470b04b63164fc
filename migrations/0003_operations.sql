-- A replay is a new delivery of the same stored event, linked to the one it
-- repeats (replay_of); the original records when it was last replayed, which
-- takes a dead delivery out of the dead-letter queue.
ALTER TABLE deliveries ADD COLUMN replay_of TEXT;
ALTER TABLE deliveries ADD COLUMN replayed_at BIGINT;
CREATE INDEX deliveries_dead_letters ON deliveries (project_id, id) WHERE status = 'dead' AND replayed_at IS NULL;

-- Bulk replays run in the background, a paced batch at a time, by whichever
-- node holds the lease. The filter is frozen at creation: only deliveries
-- with an id below upper_id (those that existed then) are replayed.
CREATE TABLE replay_jobs (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    webhook_id TEXT NOT NULL, -- '' for any
    status_filter TEXT NOT NULL, -- '' for any
    from_ms BIGINT NOT NULL,
    to_ms BIGINT NOT NULL,
    dead_letters_only BIGINT NOT NULL,
    upper_id TEXT NOT NULL,
    rate_per_second BIGINT NOT NULL,
    status TEXT NOT NULL,
    total BIGINT NOT NULL,
    processed BIGINT NOT NULL,
    cursor_id TEXT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX replay_jobs_project ON replay_jobs (project_id, id);
CREATE INDEX replay_jobs_running ON replay_jobs (lease_until) WHERE status = 'running';

-- Usage, counted as the work happens: one row per project, webhook and UTC
-- hour, added to in the transactions that store events and outcomes. Rows
-- outlive their webhook, so a deleted webhook still counts toward quotas.
CREATE TABLE usage_counters (
    project_id TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    hour_start BIGINT NOT NULL,
    events BIGINT NOT NULL,
    deliveries BIGINT NOT NULL,
    attempts BIGINT NOT NULL,
    successes BIGINT NOT NULL,
    failures BIGINT NOT NULL,
    dead BIGINT NOT NULL,
    bytes_in BIGINT NOT NULL,
    bytes_out BIGINT NOT NULL,
    PRIMARY KEY (project_id, webhook_id, hour_start)
);
CREATE INDEX usage_counters_time ON usage_counters (project_id, hour_start);

-- Schedules fire events into their webhook: cron (in a time zone) or once at
-- run_at. next_run_at is the due time of the next firing; a node fires it
-- and moves it on with a conditional UPDATE (WHERE next_run_at = the due
-- time it read), so each due time fires once however many nodes poll.
CREATE TABLE schedules (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    name TEXT NOT NULL,
    cron TEXT,
    time_zone TEXT NOT NULL,
    run_at BIGINT,
    content_type TEXT NOT NULL,
    payload BLOB NOT NULL,
    status TEXT NOT NULL,
    next_run_at BIGINT,
    last_run_at BIGINT,
    last_delivery_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX schedules_due ON schedules (next_run_at) WHERE status = 'active';
CREATE INDEX schedules_webhook ON schedules (webhook_id, id);

-- Auto-disable: dead deliveries in a row since the last success; past the
-- threshold the webhook is disabled and disabled_reason says why.
ALTER TABLE webhooks ADD COLUMN consecutive_dead BIGINT NOT NULL DEFAULT 0;
ALTER TABLE webhooks ADD COLUMN disabled_reason TEXT;

-- Retention purges deliveries with their attempts, and an event once no
-- delivery (an original or a replay) refers to it any more.
CREATE INDEX deliveries_event ON deliveries (event_id);

-- Operator notifications: channels (a URL the operator owns, signed with the
-- channel's own secret), an outbox the notifier sends from with retries, and
-- marks that make periodic notices (dead letters, quota) fire once per
-- threshold across nodes.
CREATE TABLE notification_channels (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    url TEXT NOT NULL,
    description TEXT NOT NULL,
    secret_ciphertext TEXT NOT NULL,
    secret_prefix TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX notification_channels_project ON notification_channels (project_id, id);
CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    channel_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt_at BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE TABLE notification_marks (
    project_id TEXT NOT NULL,
    mark TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (project_id, mark)
);
ALTER TABLE webhook_secrets ADD COLUMN overlap_notified BIGINT NOT NULL DEFAULT 0;
