-- Raw events per type in the warehouse and the checksum of their ids, reconciled against
-- pg/reconcile.sql (the same figures in PostgreSQL up to the ingest cursor), for the events
-- after position $since (-1: all).
select type,
       count(*)                                                  as events,
       sum(('0x' || right(event_id::varchar, 12))::bigint)      as id_checksum
  from events
 where position > $since
 group by type
 order by type
