-- response_times: how long students take to answer each question (median and 90th percentile).
-- Time from the question being assigned to the answer, where known (imported history may not
-- record it). A slow question may be unclear; a fast wrong answer may be a guess.
-- param course_id: text = null. Only this course (every course when null).
-- param chapter_id: text = null. Only this chapter (every chapter when null).
-- param min_answers: integer = 1. Leave out questions with fewer timed answers than this.
-- row: one question, slowest median first: timed answers, median and 90th percentile of
-- response_ms (interpolated), and the medians of right and of wrong answers apart.
with params as (
    select
        cast($course_id as varchar) as course_id,
        cast($chapter_id as varchar) as chapter_id,
        cast($min_answers as integer) as min_answers
),

timed_answers as (
    select answers.*
    from answers, params
    where answers.response_ms is not null
      and (params.course_id is null or answers.course_id = params.course_id)
      and (params.chapter_id is null or answers.chapter_id = params.chapter_id)
),

per_question as (
    select
        course_id,
        chapter_id,
        question_id,
        count(*) as timed_answers,
        quantile_cont(response_ms, 0.5) as median_response_ms,
        quantile_cont(response_ms, 0.9) as p90_response_ms,
        quantile_cont(response_ms, 0.5) filter (where correct) as median_correct_ms,
        quantile_cont(response_ms, 0.5) filter (where not correct) as median_wrong_ms
    from timed_answers
    group by course_id, chapter_id, question_id
),

final as (
    select per_question.*
    from per_question, params
    where timed_answers >= params.min_answers
)

select * from final order by median_response_ms desc, course_id asc, question_id asc
