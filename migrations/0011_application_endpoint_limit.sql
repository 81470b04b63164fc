-- A project's cap on the endpoints of one application (NULL: the default),
-- so that one portal customer cannot take the project's whole webhook quota.
ALTER TABLE projects ADD COLUMN max_endpoints_per_application BIGINT;
