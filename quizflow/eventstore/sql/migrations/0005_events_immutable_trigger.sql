-- Events are facts: the database refuses to change or remove them, whoever asks (the owner
-- too, whom privileges alone would not stop).
create function quizflow.refuse_event_change() returns trigger
language plpgsql as $$
begin
    raise exception 'quizflow.events is append-only: % is not allowed', tg_op
        using errcode = 'QF003';
end
$$;

create trigger events_refuse_update_delete
    before update or delete on quizflow.events
    for each row execute function quizflow.refuse_event_change();

create trigger events_refuse_truncate
    before truncate on quizflow.events
    for each statement execute function quizflow.refuse_event_change();
