-- Periodic jobs run once per cluster: a node runs a job only while it holds
-- the job's lease row (taken with a conditional UPDATE, so no table locks).
CREATE TABLE cluster_jobs (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    lease_until BIGINT NOT NULL
);
