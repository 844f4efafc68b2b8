-- Quiz streams that wrote more events than $per_minute in some minute of domain time: a
-- runaway writer (a client in a loop, a replaying script) polluting the figures. Only quiz
-- events count: an admin enrolling a class or importing a roster writes a burst of roster and
-- account events by design, and no student answers faster than a few times a minute.
-- The busiest minute of each such stream, among the events after position $since (-1: all):
-- a burst is recent when it is new, and every event is looked at in the daily full check.
with per_minute as (
    select stream_id, date_trunc('minute', occurred_at) as minute, count(*) as events
      from events
     where type like 'chapter-quiz/%'
       and position > $since
     group by stream_id, minute
)
select stream_id, arg_max(minute, events)::varchar as busiest_minute, max(events) as events
  from per_minute
 where events > $per_minute
 group by stream_id
 order by events desc, stream_id
 limit 20
