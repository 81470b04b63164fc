-- Attempts are read only through their delivery (its attempts in order)
-- and deleted with it; nothing looks one up by its id. Keyed by delivery,
-- attempt number and id, they need one index instead of two: one index
-- entry less to write for every attempt, on the delivery path. The id stays
-- in the key because two nodes can record the same attempt number of a
-- delivery whose lease one of them took over. Neither backend can change a
-- table's primary key in place the same way, so the table is copied: on an
-- upgrade this takes as long as the attempts kept (see retention).
CREATE TABLE attempts_by_delivery (
    delivery_id TEXT NOT NULL,
    attempt_no BIGINT NOT NULL,
    id TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    duration_ms BIGINT NOT NULL,
    status_code BIGINT,
    error_kind TEXT,
    error_message TEXT,
    response_excerpt TEXT,
    CONSTRAINT attempts_key PRIMARY KEY (delivery_id, attempt_no, id)
);
INSERT INTO attempts_by_delivery (delivery_id, attempt_no, id, started_at, duration_ms, status_code,
    error_kind, error_message, response_excerpt)
SELECT delivery_id, attempt_no, id, started_at, duration_ms, status_code,
    error_kind, error_message, response_excerpt FROM attempts;
DROP TABLE attempts;
ALTER TABLE attempts_by_delivery RENAME TO attempts;
