-- Failed dashboard logins per key ("email:<address>" or "ip:<address>") in a
-- fixed window, in the database so that every node counts the same failures.
CREATE TABLE login_failures (
    key TEXT PRIMARY KEY,
    window_started_at BIGINT NOT NULL,
    failures BIGINT NOT NULL
);
