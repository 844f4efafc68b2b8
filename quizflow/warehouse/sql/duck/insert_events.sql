-- One chunk of the ingest stream (registered as incoming_events) into the raw events, students
-- made pseudonyms on the way (qf_pseudonym, a temporary macro holding the key for this
-- connection only): the id in the payload and the column, and every stream but the course and
-- roster ones (a quiz's stream names its student), and the student as the acting user.
-- PostgreSQL writes jsonb as text in one fixed form ("key": "value"), so the id is replaced as
-- text, about five times cheaper than parsing and patching every payload; JSON patching is the
-- fallback for an id the text form escapes.
insert into events by name
select * exclude (subject, subject_key, alias, needle) replace (
    case when stream_id like 'course-%' or stream_id like 'roster-%' then stream_id
         else 'stream-' || qf_pseudonym(stream_id) end as stream_id,
    case when subject is null then data
         when contains(data, needle)
             then replace(data, needle, '"' || subject_key || '": "' || alias || '"')
         else json_merge_patch(data, json_object(subject_key, alias))::varchar
    end as data,
    -- A student acting on their own quiz is named in the metadata too: the same pseudonym.
    if(subject is null, metadata,
       replace(metadata, '"user_id": "' || subject || '"', '"user_id": "' || alias || '"'))
        as metadata,
    if(student_id is null, null, alias) as student_id
)
from (
    select *,
           qf_pseudonym(subject) as alias,
           '"' || subject_key || '": "' || subject || '"' as needle
      from (
          select *,
                 coalesce(student_id, if(json_type(data) = 'OBJECT',
                                         data ->> '$.account_id', null)) as subject,
                 if(student_id is not null, 'student_id', 'account_id') as subject_key
            from incoming_events
      )
)
