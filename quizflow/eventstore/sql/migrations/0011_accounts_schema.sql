-- Credentials, activation codes, sessions, sign-in throttling and single sign-on links: the
-- mutable, erasable side of accounts. They never enter the event log (a password hash must be
-- changeable and a child's data erasable); the account's lifecycle facts are events.
-- Everything here belongs to the group role quizflow_accounts, which only the sign-in code's
-- login role is a member of: the web app's event connection cannot read a password hash.
create schema quizflow_auth;

create table quizflow_auth.credentials (
    account_id text primary key,
    -- Stored case-folded, so "Alice" and "alice" are one account.
    username text not null unique,
    -- Null until the account is activated with a code or given a password.
    password_hash text,
    disabled boolean not null default false,
    updated_at timestamptz not null default now()
);

create table quizflow_auth.activation_codes (
    -- sha256 of the code: codes are random and long, so a fast hash cannot be brute-forced.
    code_hash bytea primary key,
    account_id text not null references quizflow_auth.credentials on delete cascade,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null,
    used_at timestamptz
);
create index activation_codes_account_idx on quizflow_auth.activation_codes (account_id);

create table quizflow_auth.sessions (
    -- sha256 of the cookie's token: a copy of this table signs nobody in.
    token_hash bytea primary key,
    account_id text not null references quizflow_auth.credentials on delete cascade,
    method text not null,
    created_at timestamptz not null default now(),
    last_seen_at timestamptz not null default now()
);
create index sessions_account_idx on quizflow_auth.sessions (account_id);

create table quizflow_auth.throttle (
    -- 'account:' and a hash of the submitted username (existing or not), or 'address:' and
    -- the client address.
    key text primary key,
    failures integer not null,
    last_failure_at timestamptz not null,
    blocked_until timestamptz
);

create table quizflow_auth.sso_links (
    issuer text not null,
    subject text not null,
    account_id text not null references quizflow_auth.credentials on delete cascade,
    linked_at timestamptz not null default now(),
    primary key (issuer, subject)
);
create index sso_links_account_idx on quizflow_auth.sso_links (account_id);

alter schema quizflow_auth owner to quizflow_accounts;
alter table quizflow_auth.credentials owner to quizflow_accounts;
alter table quizflow_auth.activation_codes owner to quizflow_accounts;
alter table quizflow_auth.sessions owner to quizflow_accounts;
alter table quizflow_auth.throttle owner to quizflow_accounts;
alter table quizflow_auth.sso_links owner to quizflow_accounts;
revoke all on schema quizflow_auth from public;
