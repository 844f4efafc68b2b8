-- The events of the named streams and of every stream whose id starts with one of the prefixes,
-- each one committed so far, in global order (events of different streams interleave as they
-- were appended). Named streams are one probe each of the unique (stream_id, version) index;
-- a prefix is a range of it, [prefix, past), which holds every id with that prefix where the
-- database orders text by code point (a C collation, as the embedded server's). Elsewhere the
-- range may hold only some of them; starts_with keeps out anything else. An event in a named
-- stream that also has a listed prefix comes twice: the caller keeps one.
select position, tx::text::bigint as tx, event_id, stream_id, version, type, data, metadata,
       occurred_at, recorded_at
  from (select e.*
          from quizflow.events e
         where e.stream_id = any(%(stream_ids)s::text[])
        union all
        select e.*
          from unnest(%(prefixes)s::text[], %(pasts)s::text[]) as p(prefix, past)
          join lateral (select *
                          from quizflow.events x
                         where x.stream_id >= p.prefix
                           and x.stream_id < p.past
                           and starts_with(x.stream_id, p.prefix)
                        -- A fence: planned per prefix, as a range of the index. Flattened into
                        -- the join, it was planned as one scan of the whole table.
                        offset 0) as e on true) as events
 order by events.tx, events.position
