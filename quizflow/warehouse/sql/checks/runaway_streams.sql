-- Streams that wrote more events than $per_minute in some minute of domain time: the talk's
-- "runaway processes" that polluted the data. The busiest minute of each such stream.
with per_minute as (
    select stream_id, date_trunc('minute', occurred_at) as minute, count(*) as events
      from events
     group by stream_id, minute
)
select stream_id, arg_max(minute, events)::varchar as busiest_minute, max(events) as events
  from per_minute
 where events > $per_minute
 group by stream_id
 order by events desc, stream_id
 limit 20
