-- Event ids stored more than once in the raw events (must be none).
select event_id::varchar as event_id, count(*) as copies
  from events group by event_id having count(*) > 1
 order by copies desc, event_id limit 20
