"""deploy/: every Kubernetes object the project controls is valid for the Kubernetes versions we
claim, the run pods dagster-k8s would create from deploy/helm/values.yaml are too, and the
Dockerfile installs from the lock as an unprivileged user.

Offline: no cluster and no Helm here. The objects are checked against the Kubernetes JSON
schemas that kubernetes-validate bundles (strict: unknown fields are errors). The run pods are
rendered by dagster-k8s's own K8sRunLauncher, stopped where it would call the Kubernetes API.
"""

from __future__ import annotations

import json
import re
import tomllib
import uuid
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
# The oldest Kubernetes release still in upstream support when this was written, and the newest
# that kubernetes-validate bundles.
K8S_VERSIONS = ("1.32.0", "1.37.0")


def _documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def project_objects() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{path.name}:{doc['kind']}/{doc['metadata']['name']}", doc)
        for path in sorted((DEPLOY / "k8s").glob("*.yaml"))
        for doc in _documents(path)
    ]


def values() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text())
    return loaded


def _validate(obj: dict[str, Any], version: str) -> None:
    kubernetes_validate.validate(obj, version, strict=True)


def test_the_project_controls_the_objects_the_readme_lists() -> None:
    kinds = {doc["kind"] for _, doc in project_objects()}
    assert kinds == {
        "ConfigMap",
        "Secret",
        "PersistentVolumeClaim",
        "Job",
        "Deployment",
        "Service",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "NetworkPolicy",
    }
    readme = (DEPLOY / "README.md").read_text()
    for name in sorted(path.name for path in (DEPLOY / "k8s").glob("*.yaml")):
        assert f"k8s/{name}" in readme, f"deploy/README.md does not describe {name}"


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize(("name", "obj"), project_objects(), ids=lambda v: str(v)[:60])
def test_every_object_is_valid_kubernetes(name: str, obj: dict[str, Any], version: str) -> None:
    _validate(obj, version)


def test_strict_validation_refuses_a_misspelt_field() -> None:
    ((_, deployment),) = [(n, d) for n, d in project_objects() if d["kind"] == "Deployment"]
    broken = json.loads(json.dumps(deployment))
    broken["spec"]["template"]["spec"]["containers"][0]["resource"] = {}  # not "resources"
    with pytest.raises(kubernetes_validate.ValidationError):
        _validate(broken, K8S_VERSIONS[-1])


def _secret_keys() -> dict[str, set[str]]:
    return {
        doc["metadata"]["name"]: set(doc.get("stringData", {})) | set(doc.get("data", {}))
        for _, doc in project_objects()
        if doc["kind"] == "Secret"
    }


def _walk(node: Any) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += _walk(value)
    elif isinstance(node, list):
        for value in node:
            found += _walk(value)
    return found


def test_every_reference_names_an_object_and_key_the_project_defines() -> None:
    objects = [doc for _, doc in project_objects()]
    names = {(doc["kind"], doc["metadata"]["name"]) for doc in objects}
    secrets = _secret_keys()
    namespaces = {doc["metadata"].get("namespace") for doc in objects}
    assert namespaces == {"quizflow"}
    for node in _walk(objects) + _walk(values()):
        if "secretKeyRef" in node:
            ref = node["secretKeyRef"]
            assert ref["key"] in secrets.get(ref["name"], set()), ref
        if "configMapRef" in node:
            assert ("ConfigMap", node["configMapRef"]["name"]) in names, node
        if "persistentVolumeClaim" in node:
            claim = node["persistentVolumeClaim"]["claimName"]
            assert ("PersistentVolumeClaim", claim) in names, claim
    deployment = values()["dagster-user-deployments"]["deployments"][0]
    launcher = values()["runLauncher"]["config"]["k8sRunLauncher"]
    for source in (deployment, launcher):
        for ref in source["envConfigMaps"]:
            assert ("ConfigMap", ref["name"]) in names, ref
        for ref in source["envSecrets"]:
            assert ref["name"] in secrets, ref
    assert values()["global"]["postgresqlSecretName"] in secrets
    assert "postgresql-password" in secrets[values()["global"]["postgresqlSecretName"]]


def test_the_secret_template_holds_placeholders_only() -> None:
    for _, doc in project_objects():
        if doc["kind"] != "Secret":
            continue
        for key, value in doc["stringData"].items():
            assert "CHANGE-ME" in value, f"{doc['metadata']['name']}.{key} looks real"


def test_every_container_runs_unprivileged_with_limits_and_the_one_image() -> None:
    image = values()["dagster-user-deployments"]["deployments"][0]["image"]
    expected = f"{image['repository']}:{image['tag']}"
    pods = [
        doc["spec"]["template"]["spec"]
        for _, doc in project_objects()
        if doc["kind"] in {"Deployment", "Job"}
    ]
    assert pods
    for pod in pods:
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["automountServiceAccountToken"] is False
        for container in pod["containers"]:
            assert container["image"] == expected
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert container["resources"]["limits"]["memory"]


# -- the run pods dagster-k8s creates from values.yaml ----------------------------------------


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def launcher_config(values: dict[str, Any]) -> dict[str, Any]:
    """K8sRunLauncher's configuration as the chart writes it into dagster.yaml from
    ``runLauncher.config.k8sRunLauncher`` (camelCase keys in snake_case, config maps and
    secrets by name), with what the chart adds itself."""
    given = values["runLauncher"]["config"]["k8sRunLauncher"]
    config: dict[str, Any] = {}
    for key, value in given.items():
        if key in {"envConfigMaps", "envSecrets"}:
            config[_snake(key)] = [ref["name"] for ref in value]
        elif key == "runK8sConfig":
            config["run_k8s_config"] = {_snake(k): v for k, v in value.items()}
        else:
            config[_snake(key)] = value
    config |= {
        "instance_config_map": "dagster-instance",
        "dagster_home": values["global"]["dagsterHome"],
        "postgres_password_secret": values["global"]["postgresqlSecretName"],
        "service_account_name": "dagster",
        "job_namespace": "quizflow",
    }
    return config


def test_the_run_launchers_values_pass_dagster_k8s_own_config_schema() -> None:
    from dagster._config import process_config
    from dagster_k8s import K8sRunLauncher

    result = process_config(K8sRunLauncher.config_type(), launcher_config(values()))
    assert result.success, result.errors


def _rendered_run_job(job_name: str, tmp_path: Path) -> dict[str, Any]:
    """The Kubernetes Job K8sRunLauncher would create for a run of ``job_name``."""
    import dagster as dg
    from dagster._config import process_config
    from dagster._core.code_pointer import ModuleCodePointer
    from dagster._core.origin import JobPythonOrigin, RepositoryPythonOrigin
    from dagster._core.remote_origin import (
        GrpcServerCodeLocationOrigin,
        RemoteJobOrigin,
        RemoteRepositoryOrigin,
    )
    from dagster_k8s import K8sRunLauncher
    from kubernetes.client import ApiClient

    from pipelines.definitions import defs

    # Parsed, never contacted: the launcher loads a kubeconfig at construction.
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
                "users": [{"name": "u", "user": {"token": "t"}}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "x",
            }
        )
    )
    config = launcher_config(values()) | {
        "load_incluster_config": False,
        "kubeconfig_file": str(kubeconfig),
    }
    processed = process_config(K8sRunLauncher.config_type(), config)
    assert processed.success, processed.errors
    launcher = K8sRunLauncher(**processed.value)  # type: ignore[arg-type]
    created: list[Any] = []

    class Cluster:
        """Where the launcher would send the Job: kept instead of sent."""

        def create_namespaced_job_with_retries(self, body: Any, namespace: str) -> None:
            created.append((body, namespace))

    launcher._api_client = Cluster()
    deployment = values()["dagster-user-deployments"]["deployments"][0]
    image = f"{deployment['image']['repository']}:{deployment['image']['tag']}"
    repository = RepositoryPythonOrigin(
        executable_path="/app/.venv/bin/python",
        code_pointer=ModuleCodePointer("pipelines.definitions", "defs", "/app"),
        container_image=image,
    )
    job = defs.resolve_job_def(job_name)
    with dg.instance_for_test() as instance:
        launcher.register_instance(instance)
        run = instance.create_run_for_job(
            job_def=job,
            run_id=str(uuid.uuid4()),
            tags=job.tags,
            job_code_origin=JobPythonOrigin(job_name, repository),
            remote_job_origin=RemoteJobOrigin(
                RemoteRepositoryOrigin(
                    GrpcServerCodeLocationOrigin("quizflow", 3030, location_name="quizflow"),
                    "__repository__",
                ),
                job_name,
            ),
        )
        launcher._launch_k8s_job_with_args(f"dagster-run-{run.run_id[:8]}", ["dagster"], run)
    ((body, namespace),) = created
    assert namespace == "quizflow"
    rendered: dict[str, Any] = ApiClient().sanitize_for_serialization(body)
    return rendered


@pytest.mark.parametrize(
    ("job_name", "limit", "request_cpu"),
    [("warehouse_job", "5Gi", "2"), ("teacher_reports_job", "1536Mi", "500m")],
)
def test_the_run_pods_of_each_job_are_valid_kubernetes_with_the_jobs_own_resources(
    job_name: str, limit: str, request_cpu: str, tmp_path: Path
) -> None:
    job = _rendered_run_job(job_name, tmp_path)
    for version in K8S_VERSIONS:
        _validate(job, version)
    pod = job["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["resources"]["limits"]["memory"] == limit
    assert container["resources"]["requests"]["cpu"] == request_cpu
    assert container["image"] == "registry.example.org/quizflow:0.1.0"
    assert {"configMapRef": {"name": "quizflow-env"}} in container["envFrom"]
    assert {"secretRef": {"name": "quizflow-database"}} in container["envFrom"]
    assert {"name": "quizflow-home", "mountPath": "/var/lib/quizflow"} in container["volumeMounts"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert job["spec"]["backoffLimit"] == 0


# -- the instance the chart configures ----------------------------------------------------------


def test_the_charts_instance_settings_mean_what_quizflow_writes_on_one_machine(
    tmp_path: Path,
) -> None:
    """values.yaml's concurrency and storage, written as dagster.yaml the way the chart's
    instance ConfigMap does, pass Dagster's schema; the storage URL names psycopg2."""
    from dagster._core.instance.config import dagster_instance_config
    from dagster_postgres.utils import pg_url_from_config

    from quizflow.dagster_instance import instance_config

    given = values()
    pg = given["postgresql"]
    postgres_db = {
        "username": pg["postgresqlUsername"],
        "password": {"env": "DAGSTER_PG_PASSWORD"},
        "hostname": pg["postgresqlHost"],
        "db_name": pg["postgresqlDatabase"],
        "port": pg["service"]["port"],
        "params": pg["postgresqlParams"],
        "scheme": pg["postgresqlScheme"],
    }
    concurrency = given["concurrency"]
    assert concurrency["enabled"] is True
    instance = {
        "storage": {"postgres": {"postgres_db": postgres_db}},
        "concurrency": {
            "pools": {_snake(k): v for k, v in concurrency["pools"].items()},
            "runs": {_snake(k): v for k, v in concurrency["runs"].items()},
        },
        "run_coordinator": {
            "module": "dagster.core.run_coordinator",
            "class": "QueuedRunCoordinator",
            "config": {
                _snake(k): v
                for k, v in given["dagsterDaemon"]["runCoordinator"]["config"][
                    "queuedRunCoordinator"
                ].items()
            },
        },
    }
    (tmp_path / "dagster.yaml").write_text(yaml.safe_dump(instance))
    validated, _ = dagster_instance_config(str(tmp_path))
    assert validated["concurrency"]["pools"] == instance_config(None, 1)["concurrency"]["pools"]
    url = pg_url_from_config({"postgres_db": {**postgres_db, "password": "x"}})
    assert url.startswith("postgresql+psycopg2://quizflow_dagster:x@postgres.quizflow.svc:5432/")


# -- the image ----------------------------------------------------------------------------------


def test_the_dockerfile_installs_from_the_lock_as_an_unprivileged_user() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    instructions = [
        line.strip()
        for line in re.sub(r"\\\n", " ", dockerfile).splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    copies = [line.split()[1:-1] for line in instructions if line.startswith("COPY ")]
    copied = {source for sources in copies for source in sources if not source.startswith("--")}
    assert {"pyproject.toml", "uv.lock"} <= copied
    syncs = [line for line in instructions if "uv sync" in line]
    assert syncs and all("--locked" in line for line in syncs)
    assert all("--no-default-groups" in line for line in syncs)  # no dev or bench tools
    assert not [line for line in instructions if re.search(r"\bpip\b install", line)]
    users = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in {"0", "root"}
    # The base image's Python is one the project allows.
    requires = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    (python,) = set(re.findall(r"python:(3\.\d+)", dockerfile))
    assert requires == ">=3.11" and python >= "3.11"
    # uv pinned in the image, to a version that reads this lock.
    assert re.search(r"ghcr.io/astral-sh/uv:\d+\.\d+\.\d+", dockerfile)
    # Everything copied from the context exists, and the .dockerignore lets it through.
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    for source in copied - {"/uv", "/uvx", "/app"}:
        assert (REPO / source).exists(), source
        assert f"!{source.rstrip('/')}" in {line.rstrip("/") for line in ignore}, source


def test_the_image_the_chart_and_the_workspace_serve_one_code_location() -> None:
    workspace = yaml.safe_load((REPO / "workspace.yaml").read_text())
    module = workspace["load_from"][0]["python_module"]["module_name"]
    args = values()["dagster-user-deployments"]["deployments"][0]["codeServerArgs"]
    assert args == ["--module-name", module]
    assert f'"{module}"' in (DEPLOY / "Dockerfile").read_text()
