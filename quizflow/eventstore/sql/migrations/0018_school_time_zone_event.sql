-- A school shows its people times on its own clock: the school's time zone is a roster event of
-- its own (docs/events.md); a school without one keeps the default, Europe/Amsterdam.
insert into quizflow.event_types (type) values ('roster/SchoolTimeZoneChanged');
