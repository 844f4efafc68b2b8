"""The analytics warehouse: incremental ingest into DuckDB, projections, published snapshots."""

from quizflow.warehouse.config import PipelineConfig
from quizflow.warehouse.duck import (
    PipelineError,
    WarehouseBusyError,
    WarehouseWriteError,
    open_published,
    open_warehouse,
)
from quizflow.warehouse.ingest import IngestResult, ingest
from quizflow.warehouse.projections import apply_projections, load_projections
from quizflow.warehouse.publish import PublishBlockedError, publish_checked, publish_warehouse
from quizflow.warehouse.run import RunSummary, run_pipeline
from quizflow.warehouse.source_events import SourceUnavailableError

__all__ = [
    "IngestResult",
    "PipelineConfig",
    "PipelineError",
    "PublishBlockedError",
    "RunSummary",
    "SourceUnavailableError",
    "WarehouseBusyError",
    "WarehouseWriteError",
    "apply_projections",
    "ingest",
    "load_projections",
    "open_published",
    "open_warehouse",
    "publish_checked",
    "publish_warehouse",
    "run_pipeline",
]
