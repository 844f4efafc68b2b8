-- The cursor of the last event a reader can safely see now (0:0 for an empty log).
select coalesce(max(tx)::text::bigint, 0) as tx,
       coalesce((array_agg(position order by tx desc, position desc))[1], 0) as position
  from (select tx, position
          from quizflow.events
         where tx < pg_snapshot_xmin(pg_current_snapshot())
         order by tx desc, position desc
         limit 1) as last_event
