"""Accounts: credentials, activation codes, sign-in throttling, sessions and the
administration of a school's accounts. Credentials live in mutable tables, never in the log;
an account's lifecycle facts (created, roles, deactivated) are events."""
