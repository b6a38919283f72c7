-- Optimistic locking: every change of a task raises its version, and a save based on an older version is refused.
-- Who made the last change, for the page that shows a refused save what changed.
ALTER TABLE tasks ADD COLUMN version BIGINT DEFAULT 0 NOT NULL;
ALTER TABLE tasks ADD COLUMN updated_by BIGINT REFERENCES users (id);
