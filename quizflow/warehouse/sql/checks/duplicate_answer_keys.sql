-- Answer rows sharing a key (must be none): one row per answer event.
select event_id::varchar as event_id, count(*) as copies
  from answers group by event_id having count(*) > 1
 order by copies desc, event_id limit 20
