-- Answer rows sharing a key (must be none): one row per answer event. Looks at the streams
-- with events after position $since (-1: all): the partitions the projection rewrote since.
select event_id::varchar as event_id, count(*) as copies
  from answers
 where stream_id in (select stream_id from events where position > $since)
 group by event_id having count(*) > 1
 order by copies desc, event_id limit 20
