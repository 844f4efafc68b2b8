-- Mark a quarantined event as looked at (the quarantine check then ignores it).
insert or replace into quarantine_reviews (event_id, reviewed_at, note)
select event_id, $now, $note from quarantine where event_id = $event_id::uuid
