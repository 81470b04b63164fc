-- Where a webhook's deliveries go: `http` (its destination URL) or `listen`
-- (through a `hookrelay listen` connection, to the URL it forwards to).
ALTER TABLE webhooks ADD COLUMN destination_kind TEXT NOT NULL DEFAULT 'http';
