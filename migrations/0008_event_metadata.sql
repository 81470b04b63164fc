-- The delivery history filters on an event's type; only application messages
-- have one, so ingested events (the hot path) add nothing to this index.
CREATE INDEX events_type ON events (project_id, event_type) WHERE event_type IS NOT NULL;

-- Request headers of one event (a JSON object), sent in addition to its
-- webhook's; set by schedule firings, NULL for everything else.
ALTER TABLE events ADD COLUMN headers TEXT;
ALTER TABLE schedules ADD COLUMN headers TEXT NOT NULL DEFAULT '{}';
