-- roster: one row per student, in the class they are in now (a moved student moves), with
-- the school, class and teacher. Names are sealed in the log with their person's key, which the
-- pipeline cannot read: student_name and teacher_name are null, except for old logs that
-- carried names in plain text. Reports add names at report time from the key store.
-- Key: (school_id, student_id). The latest registration of a school or class (by
-- stream version) names it; one roster stream holds one school. school_time_zone is the
-- school's clock (its latest roster/SchoolTimeZoneChanged, else Europe/Amsterdam, as for a zone
-- DuckDB does not know): reports show their times and cut their weeks in it.
-- partition: stream_id
-- types: roster/SchoolRegistered, roster/SchoolTimeZoneChanged, roster/ClassRegistered,
-- types: roster/StudentEnrolled, roster/StudentMoved, roster/StudentRenamed
with roster_events as (
    select * from projection_input
),

schools as (
    select stream_id, data ->> '$.school_id' as school_id, data ->> '$.name' as school_name
    from roster_events
    where type = 'roster/SchoolRegistered'
    qualify row_number() over (partition by stream_id, school_id order by version desc) = 1
),

time_zones as (
    select stream_id, data ->> '$.school_id' as school_id, data ->> '$.time_zone' as time_zone
    from roster_events
    where type = 'roster/SchoolTimeZoneChanged'
    qualify row_number() over (partition by stream_id, school_id order by version desc) = 1
),

classes as (
    select
        stream_id,
        data ->> '$.school_id' as school_id,
        data ->> '$.class_id' as class_id,
        data ->> '$.name' as class_name,
        data ->> '$.teacher_id' as teacher_id,
        case when json_type(data, '$.teacher_name') = 'VARCHAR'
             then data ->> '$.teacher_name' end as teacher_name
    from roster_events
    where type = 'roster/ClassRegistered'
    qualify row_number() over (partition by stream_id, class_id order by version desc) = 1
),

enrolled as (
    -- When the student first joined the school.
    select stream_id, data ->> '$.school_id' as school_id, student_id, occurred_at as enrolled_at
    from roster_events
    where type = 'roster/StudentEnrolled'
    qualify row_number() over (partition by stream_id, student_id order by version) = 1
),

placements as (
    -- The class the student is in now: the latest enrolment or move.
    select stream_id, student_id, data ->> '$.class_id' as class_id
    from roster_events
    where type in ('roster/StudentEnrolled', 'roster/StudentMoved')
    qualify row_number() over (partition by stream_id, student_id order by version desc) = 1
),

names as (
    select
        stream_id,
        student_id,
        case when json_type(data, '$.name') = 'VARCHAR' then data ->> '$.name' end as student_name
    from roster_events
    where type in ('roster/StudentEnrolled', 'roster/StudentRenamed')
    qualify row_number() over (partition by stream_id, student_id order by version desc) = 1
),

enrolments as (
    select
        e.stream_id,
        e.school_id,
        p.class_id,
        e.student_id,
        n.student_name,
        e.enrolled_at
    from enrolled as e
    inner join placements as p on e.stream_id = p.stream_id and e.student_id = p.student_id
    inner join names as n on e.stream_id = n.stream_id and e.student_id = n.student_id
),

final as (
    select
        e.school_id,
        s.school_name,
        coalesce(k.name, 'Europe/Amsterdam') as school_time_zone,
        e.class_id,
        c.class_name,
        c.teacher_id,
        c.teacher_name,
        e.student_id,
        e.student_name,
        e.enrolled_at,
        e.stream_id
    from enrolments as e
    left join schools as s on e.stream_id = s.stream_id and e.school_id = s.school_id
    left join time_zones as z on e.stream_id = z.stream_id and e.school_id = z.school_id
    left join pg_timezone_names() as k on z.time_zone = k.name
    left join classes as c on e.stream_id = c.stream_id and e.class_id = c.class_id
)

select * from final
