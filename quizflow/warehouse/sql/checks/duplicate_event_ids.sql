-- Event ids stored more than once in the raw events (must be none), among the ids of the
-- events after position $since (-1: all): a second copy is always the later one.
select event_id::varchar as event_id, count(*) as copies
  from events
 where event_id in (select event_id from events where position > $since)
 group by event_id having count(*) > 1
 order by copies desc, event_id limit 20
