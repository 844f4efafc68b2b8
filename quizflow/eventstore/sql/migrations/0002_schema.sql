-- The event store's own namespace, so its objects never collide with whatever else shares the
-- database, and privileges can be granted on it as a whole.
create schema if not exists quizflow;
