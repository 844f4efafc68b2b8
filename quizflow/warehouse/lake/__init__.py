"""The lake warehouse mode (``QUIZFLOW_WAREHOUSE=lake``): Apache Iceberg tables in a SQL catalog
on PostgreSQL, data on S3-compatible storage or a local folder, DuckDB as the engine.

See docs/lakehouse.md. One concept per module; what other code uses:

- ``settings``: ``warehouse_mode()``, ``LakeSettings.from_env(settings)``, ``lake_chunk_rows()``,
  ``pinned_release()`` (every ``QUIZFLOW_LAKE_*`` setting, read when asked for).
- ``catalog``: ``open_lake(settings) -> Lake`` (close it); ``Lake.table(name)`` (a pyiceberg
  ``Table`` or None), ``Lake.register_files(con)`` (lets a DuckDB connection read ``s3://``),
  ``LakeError`` (bad settings, one sentence).
- ``ingest``: ``ingest_lake(lake, url, chunk_rows=...) -> IngestResult``; the table ``EVENTS``;
  ``cursor_of(table)``, ``events_of(table)``.
- ``run``: ``run_lake_pipeline(settings, url, ...) -> RunSummary`` (``run_pipeline`` calls it
  in the lake mode); ``summary.release`` is the release it made.
- ``release``: ``latest_release(lake)``, ``release_by_id(lake, n)`` -> ``Release`` (its
  ``snapshots``: table name -> snapshot id).
- ``reader``: ``open_release(settings, release_id=None)`` -> a DuckDB connection with every
  table of the release as a view (``open_published`` calls it in the lake mode).
- ``read``: ``snapshot_select(lake, con, table, snapshot_id)``: SQL reading one snapshot.
- ``columns``: DuckDB types over Iceberg (what is stored as text, and cast back).
- ``projections``: the projection runner's lake side.
"""
