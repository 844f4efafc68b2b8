"""The Dagster code location (workspace.yaml): every pipeline module's definitions, merged.

To add assets (item statistics, reports), write a module in pipelines/ that exposes
``defs = dg.Definitions(...)`` and list it in MODULES. Assets can depend on the projection
tables by name (e.g. ``deps=["answers"]``) or on ``published_snapshot``; they get the
``warehouse`` resource by naming a parameter ``warehouse: WarehouseResource``.
"""

from __future__ import annotations

import dagster as dg

from pipelines import privacy, reports, warehouse
from pipelines.resources import WarehouseResource

MODULES = [warehouse, reports, privacy]

# Every step in the run's own process. The default executor starts a Python process per step,
# each importing Dagster and this code location again, for steps that run one after another
# anyway (they share the warehouse's single writer lock, and the pools still apply in-process):
# that start-up, not the work, was most of a run's time (bench/README.md).
defs = dg.Definitions.merge(
    *(module.defs for module in MODULES),
    dg.Definitions(resources={"warehouse": WarehouseResource()}, executor=dg.in_process_executor),
)
