-- Applications: the project's customers, each with its own endpoints
-- (webhooks carrying an application_id) and its own portal tokens.
CREATE TABLE applications (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects (id),
    name TEXT NOT NULL,
    uid TEXT, -- the project's own id for this customer, unique per project
    metadata TEXT NOT NULL, -- JSON object
    frame_ancestors TEXT, -- JSON array of origins allowed to frame the portal; NULL = any
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (project_id, uid)
);
CREATE INDEX applications_project ON applications (project_id, id);
-- The project's default for applications without their own list.
ALTER TABLE projects ADD COLUMN portal_frame_ancestors TEXT;

CREATE TABLE event_types (
    project_id TEXT NOT NULL REFERENCES projects (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    payload_schema TEXT, -- JSON Schema document, kept for documentation
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, name)
);

-- An endpoint is a webhook of an application; event_types is a JSON array
-- of the types it subscribes to, NULL for all.
ALTER TABLE webhooks ADD COLUMN application_id TEXT;
ALTER TABLE webhooks ADD COLUMN event_types TEXT;
CREATE INDEX webhooks_application ON webhooks (application_id, id);

-- Messages sent to an application are events with a type.
ALTER TABLE events ADD COLUMN application_id TEXT;
ALTER TABLE events ADD COLUMN event_type TEXT;
CREATE INDEX events_application ON events (application_id, id);

-- Portal tokens are stored only as SHA-256 hashes. kind is 'session'
-- (magic link) or 'long_lived'; scopes is a JSON array of read/write.
CREATE TABLE portal_tokens (
    id TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    application_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    scopes TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX portal_tokens_application ON portal_tokens (application_id, kind, id);
