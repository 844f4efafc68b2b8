-- Answer rows sharing a key (must be none): one row per answer event. Looks at the keys of the
-- answers after position $since (-1: all): a partition written twice repeats its new rows too.
select event_id::varchar as event_id, count(*) as copies
  from answers
 where event_id in (select event_id from answers where position > $since)
 group by event_id having count(*) > 1
 order by copies desc, event_id limit 20
