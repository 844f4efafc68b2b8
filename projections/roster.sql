-- roster: one row per student enrolment in a class, with the school, class and teacher.
-- Key: (school_id, class_id, student_id). The latest registration of a school or class (by
-- stream version) names it; one roster stream holds one school.
-- partition: stream_id
-- types: roster/SchoolRegistered, roster/ClassRegistered, roster/StudentEnrolled
with roster_events as (
    select * from projection_input
),

schools as (
    select stream_id, data ->> '$.school_id' as school_id, data ->> '$.name' as school_name
    from roster_events
    where type = 'roster/SchoolRegistered'
    qualify row_number() over (partition by stream_id, school_id order by version desc) = 1
),

classes as (
    select
        stream_id,
        data ->> '$.school_id' as school_id,
        data ->> '$.class_id' as class_id,
        data ->> '$.name' as class_name,
        data ->> '$.teacher_id' as teacher_id,
        data ->> '$.teacher_name' as teacher_name
    from roster_events
    where type = 'roster/ClassRegistered'
    qualify row_number() over (partition by stream_id, class_id order by version desc) = 1
),

enrolments as (
    select
        stream_id,
        data ->> '$.school_id' as school_id,
        data ->> '$.class_id' as class_id,
        student_id,
        data ->> '$.name' as student_name,
        occurred_at as enrolled_at
    from roster_events
    where type = 'roster/StudentEnrolled'
    qualify row_number() over (
        partition by stream_id, class_id, student_id order by version desc
    ) = 1
),

final as (
    select
        e.school_id,
        s.school_name,
        e.class_id,
        c.class_name,
        c.teacher_id,
        c.teacher_name,
        e.student_id,
        e.student_name,
        e.enrolled_at,
        e.stream_id
    from enrolments as e
    left join schools as s on s.stream_id = e.stream_id and s.school_id = e.school_id
    left join classes as c on c.stream_id = e.stream_id and c.class_id = e.class_id
)

select * from final
