-- Per event type, after position %(since)s (-1: all) and up to the warehouse's ingest cursor:
-- how many events, and a checksum of their ids (the sum of each id's last 48 bits, i.e. its
-- last 12 hex digits). Compared with checks/reconcile.sql on the warehouse: equal counts with
-- a different checksum mean the store holds other events than the warehouse (commits lost in
-- a crash and their place taken).
select type,
       count(*)                                                  as events,
       sum(('x' || right(event_id::text, 12))::bit(48)::bigint) as id_checksum
  from quizflow.events
 where position > %(since)s::bigint
   and (tx, position) <= (%(tx)s::text::xid8, %(position)s::bigint)
 group by type
 order by type
