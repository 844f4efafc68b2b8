-- When every event was last checked (reconciled with PostgreSQL, its id unique); the runs in
-- between check the recent events only (see quizflow/warehouse/check_scope.py).
create table if not exists check_state (
    id              integer primary key check (id = 1),
    full_checked_at timestamptz not null
);
