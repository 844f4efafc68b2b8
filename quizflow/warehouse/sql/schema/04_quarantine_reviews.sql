-- Quarantined events a person has looked at (the quarantine check ignores them). Kept apart
-- from the quarantine projection, which a rebuild recreates from the raw events.
create table if not exists quarantine_reviews (
    event_id    uuid primary key,
    reviewed_at timestamptz not null,
    note        varchar
);
