-- Everything after the ingest cursor that no running transaction can still add to, in global
-- order: the same horizon rule as the store's read_all (quizflow/eventstore/sql/queries), in one
-- statement so the horizon and the rows share one snapshot. The cursor comes from set_cursor.sql.
-- Payload fields that projections group and join by are pulled out here as text: PostgreSQL
-- reads them from jsonb cheaply, and DuckDB then never parses JSON for them. They are not cast
-- (a malformed payload must reach the quarantine, not fail the read).
select position,
       tx::text::bigint          as tx,
       event_id,
       stream_id,
       version,
       type,
       data::text                as data,
       metadata::text            as metadata,
       occurred_at,
       recorded_at,
       data ->> 'student_id'     as student_id,
       data ->> 'course_id'      as course_id,
       data ->> 'chapter_id'     as chapter_id,
       data ->> 'question_id'    as question_id,
       data ->> 'attempt'        as attempt
  from quizflow.events as e
 where (e.tx, e.position) > (current_setting('quizflow.after_tx')::xid8,
                             current_setting('quizflow.after_position')::bigint)
   and e.tx < pg_snapshot_xmin(pg_current_snapshot())
 -- The table's columns, not the output's `tx` (a bigint): that way the (tx, position) index
 -- delivers the order and rows stream from the first one, instead of after a full sort.
 order by e.tx, e.position
