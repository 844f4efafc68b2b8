-- notation_stumbles: how often students stumble on notation, per question and reason.
-- The quiz refuses an answer it cannot read as what the field expects (`abc` where a number is
-- asked, `3/8` where the decimal is, `1½`, a zero-width space): it costs the student nothing
-- and counts as no answer, so no other query sees it. Many on one question say its wording or
-- the form it asks for is unclear.
-- param course_id: text = null. Only this course (every course when null).
-- param chapter_id: text = null. Only this chapter (every chapter when null).
-- param min_refusals: integer = 1. Leave out reasons with fewer refusals than this.
-- row: one question and reason (`not-a-number`, `fraction-not-decimal`, ...: the reasons of
-- docs/course-format.md), most refusals first: refusals, students, `share_of_tries` (refusals
-- for this reason over the question's answers plus all its refusals) and the question's text.
with params as (
    select
        cast($course_id as varchar) as course_id,
        cast($chapter_id as varchar) as chapter_id,
        cast($min_refusals as integer) as min_refusals
),

scoped_refusals as (
    select unreadable_answers.*
    from unreadable_answers, params
    where (params.course_id is null or unreadable_answers.course_id = params.course_id)
      and (params.chapter_id is null or unreadable_answers.chapter_id = params.chapter_id)
),

-- A refusal names a reason per unreadable field; two fields refused for one reason count once.
refusal_reasons as (
    select distinct
        event_id,
        course_id,
        chapter_id,
        question_id,
        student_id,
        reason
    from (
        select
            event_id,
            course_id,
            chapter_id,
            question_id,
            student_id,
            unnest(map_values(json_transform(reasons, '"MAP(VARCHAR, VARCHAR)"'))) as reason
        from scoped_refusals
    ) as per_field
),

tries as (
    select
        course_id,
        question_id,
        count(*) as tries
    from (
        select
            answers.course_id,
            answers.question_id
        from answers, params
        where (params.course_id is null or answers.course_id = params.course_id)
          and (params.chapter_id is null or answers.chapter_id = params.chapter_id)
        union all
        select
            course_id,
            question_id
        from scoped_refusals
    ) as answered_or_refused
    group by course_id, question_id
),

per_reason as (
    select
        course_id,
        chapter_id,
        question_id,
        reason,
        count(*) as refusals,
        count(distinct student_id) as students
    from refusal_reasons
    group by course_id, chapter_id, question_id, reason
),

final as (
    select
        p.course_id,
        p.chapter_id,
        p.question_id,
        p.reason,
        p.refusals,
        p.students,
        p.refusals / t.tries as share_of_tries,
        q.text
    from per_reason as p
    inner join tries as t using (course_id, question_id)
    left join questions as q using (course_id, question_id)
    cross join params
    where p.refusals >= params.min_refusals
)

select * from final
order by refusals desc, course_id asc, question_id asc, reason asc
