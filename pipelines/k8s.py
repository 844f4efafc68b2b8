"""What a run pod asks Kubernetes for, per job, when dagster-k8s's K8sRunLauncher launches it.

Dagster reads the ``dagster-k8s/config`` tag of a run only in that launcher (and in
k8s_job_executor); everywhere else the tag is inert, so one machine is unaffected. The
defaults for every other run are in deploy/helm/values.yaml (runLauncher).
"""

from __future__ import annotations

from typing import Any

K8S_CONFIG_TAG = "dagster-k8s/config"

# The warehouse run holds DuckDB (QUIZFLOW_DUCKDB_MEMORY_LIMIT, 3GB in deploy/k8s) plus Arrow
# batches from PostgreSQL and the publish's Parquet writer: headroom above DuckDB's limit.
WAREHOUSE_RUN: dict[str, Any] = {
    "container_config": {
        "resources": {
            "requests": {"cpu": "2", "memory": "4Gi"},
            "limits": {"memory": "5Gi"},
        }
    }
}

# A week's reports read the published snapshot and write small HTML files.
REPORTS_RUN: dict[str, Any] = {
    "container_config": {
        "resources": {
            "requests": {"cpu": "500m", "memory": "768Mi"},
            "limits": {"memory": "1536Mi"},
        }
    }
}


def run_tags(config: dict[str, Any]) -> dict[str, Any]:
    return {K8S_CONFIG_TAG: config}
