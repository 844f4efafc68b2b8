-- The current version of a stream; 0 when it does not exist.
select coalesce(max(version), 0) from quizflow.events where stream_id = %(stream_id)s
