-- Everything after the ingest cursor that no running transaction can still add to, in global
-- order: the same horizon rule as the store's read_all (quizflow/eventstore/sql/queries), in one
-- statement so the horizon and the rows share one snapshot. The cursor comes from set_cursor.sql.
-- Student ids become pseudonyms here (see below). Payload fields that projections group and
-- join by are pulled out here as text: PostgreSQL reads them from jsonb cheaply, and DuckDB
-- then never parses JSON for them. They are not cast (a malformed payload must reach the
-- quarantine, not fail the read).
select position,
       tx::text::bigint          as tx,
       event_id,
       case when e.stream_id like 'course-%' or e.stream_id like 'roster-%' then e.stream_id
            else 'stream-' || quizflow_privacy.pseudonym(e.stream_id) end as stream_id,
       version,
       type,
       (case when who.pseudonym is null then e.data
             else e.data || jsonb_strip_nulls(jsonb_build_object(
                      'student_id', case when e.data ? 'student_id' then who.pseudonym end,
                      'account_id', case when e.data ? 'account_id' then who.pseudonym end))
        end)::text               as data,
       -- The acting user is operational, not analytical: a student's own id, so it goes.
       (case when jsonb_typeof(e.metadata) = 'object' then e.metadata - 'user_id'
             else e.metadata end)::text as metadata,
       occurred_at,
       recorded_at,
       case when who.pseudonym is not null and e.data ? 'student_id' then who.pseudonym
       end                       as student_id,
       data ->> 'course_id'      as course_id,
       data ->> 'chapter_id'     as chapter_id,
       data ->> 'question_id'    as question_id,
       data ->> 'attempt'        as attempt
  from quizflow.events as e
  -- Students are pseudonyms from here on (quizflow/privacy/pseudonyms.py): the id in the
  -- payload and the columns, and every stream but the course and roster ones (a quiz's
  -- stream names its student). The pipeline's role computes them, never reads the key.
  cross join lateral (
      select case when jsonb_typeof(e.data) = 'object'
                  then quizflow_privacy.pseudonym(
                           coalesce(e.data ->> 'student_id', e.data ->> 'account_id'))
             end as pseudonym
  ) as who
 where (e.tx, e.position) > (current_setting('quizflow.after_tx')::xid8,
                             current_setting('quizflow.after_position')::bigint)
   and e.tx < pg_snapshot_xmin(pg_current_snapshot())
 -- The table's columns, not the output's `tx` (a bigint): that way the (tx, position) index
 -- delivers the order and rows stream from the first one, instead of after a full sort.
 order by e.tx, e.position
