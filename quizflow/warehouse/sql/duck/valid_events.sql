-- The raw events minus the quarantined ones: what every projection but the quarantine reads.
create or replace view valid_events as
select e.* from events as e anti join quarantine as q using (event_id)
