-- The delivery history filters on an event's type; only application messages
-- have one, so ingested events (the hot path) add nothing to this index.
CREATE INDEX events_type ON events (project_id, event_type) WHERE event_type IS NOT NULL;
