-- unreadable_answers: one row per answer the quiz refused because it could not read it as what
-- its fields expect (`abc` for a number, `3/8` where a decimal is asked, `1½`, a zero-width
-- space). Not answers: they cost the student nothing and are never in `answers`; they tell how
-- often students stumble on notation, per question and per reason.
-- Key: event_id. `reasons` maps each unreadable field to why (docs/events.md).
-- partition: stream_id
-- types: chapter-quiz/UnreadableAnswerRefused
with refusals as (
    select * from projection_input
),

final as (
    select
        event_id,
        position,
        occurred_at,
        course_id,
        chapter_id,
        student_id,
        question_id,
        data -> '$.inputs' as inputs,
        data -> '$.reasons' as reasons,
        cast(attempt as integer) as attempt,
        stream_id,
        version
    from refusals
)

select * from final
