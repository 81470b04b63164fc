-- Most events have no application (ingest URLs, a webhook's send route):
-- indexed only where one is set, they no longer cost this index page writes
-- in every batch. Every query of it names an application, which implies
-- IS NOT NULL on both backends, so they still use it.
DROP INDEX events_application;
CREATE INDEX events_application ON events (application_id, id) WHERE application_id IS NOT NULL;
