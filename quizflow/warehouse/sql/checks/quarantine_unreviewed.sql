-- Quarantined events nobody has reviewed yet, per reason, with a few examples to look at.
select q.reason,
       count(*) as events,
       list(q.event_id::varchar order by q.position)[1:5] as examples
  from quarantine as q anti join quarantine_reviews as r using (event_id)
 group by q.reason
 order by events desc, q.reason
