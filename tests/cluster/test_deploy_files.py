"""The deployment files say what they must, checked without a Docker engine or a Kubernetes cluster.

- HAProxy's config passes `haproxy -c` both as the local cluster fills it (runtime-API slots) and
  as compose fills it (DNS slots); it checks /readyz and holds WebSockets with `timeout tunnel`.
- The K3S manifests pass strict schema validation (kubernetes-validate's bundled schemas); the
  Deployment has readiness on /readyz, a preStop hook and a grace period longer than the drain,
  and every secret is referenced, none is committed.
- The compose files parse, use the same HAProxy config, and take every password from the
  environment.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml  # type: ignore[import-untyped]

from tests.support.engines import REPO

pytestmark = pytest.mark.cluster

HAPROXY_CFG = REPO / "deploy" / "haproxy" / "haproxy.cfg"
K3S = REPO / "deploy" / "k3s"


def _haproxy_check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PARLEY_LB_STATS_SOCKET": str(tmp_path / "admin.sock"), **env}
    return subprocess.run(
        ["haproxy", "-c", "-f", str(HAPROXY_CFG)],
        env=full,
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize(
    "slots",
    [
        {
            "PARLEY_LB_BIND": "127.0.0.1:18080",
            "PARLEY_LB_SLOTS": "10",
            "PARLEY_LB_SERVER_ADDR": "127.0.0.1:1",
            "PARLEY_LB_SLOT_STATE": "disabled",
        },
        {
            "PARLEY_LB_BIND": ":8080",
            "PARLEY_LB_SLOTS": "10",
            "PARLEY_LB_SERVER_ADDR": "backend:8080",
            "PARLEY_LB_SLOT_STATE": "enabled",
            "PARLEY_LB_FILES_ADDR": "files:8080",
            "PARLEY_LB_FILES_STATE": "enabled",
        },
    ],
    ids=["local-runtime-api", "compose-dns"],
)
def test_haproxy_config_is_valid(tmp_path: Path, slots: dict[str, str]) -> None:
    try:
        done = _haproxy_check(tmp_path, **slots)
    except FileNotFoundError:
        pytest.fail(
            "haproxy is not installed: deploy/local/apt/cluster.txt lists it", pytrace=False
        )
    assert done.returncode == 0, done.stdout + done.stderr
    text = HAPROXY_CFG.read_text()
    assert re.search(r"http-check send meth GET uri /readyz", text)
    assert re.search(r"^\s*timeout tunnel\s+\S+", text, re.M)
    directives = [ln.split("#", 1)[0].split() for ln in text.splitlines()]
    # A stick-table alone only counts (connections per address); `stick on`/cookies pin sessions.
    sticky = [d for d in directives if d and d[0] in ("cookie", "stick")]
    balance = {d[1] for d in directives if d and d[0] == "balance"}
    assert not sticky and balance == {"leastconn"}, "no sticky sessions"
    assert re.search(r"stats socket .* level admin", text), "the runtime API adds replicas"
    # Attachments to the upload replicas while one is up, to the others otherwise.
    route = (
        r"use_backend parley_files if \{ path_beg /api/v1/files \} \{ nbsrv\(parley_files\) gt 0 \}"
    )
    assert re.search(route, text)


def _k3s_docs() -> list[tuple[Path, dict[str, Any]]]:
    out = []
    for path in sorted(K3S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                out.append((path, doc))
    return out


def test_k3s_manifests_pass_strict_schema_validation() -> None:
    checked = 0
    for _, doc in _k3s_docs():
        if doc["kind"] == "Kustomization":
            for res in doc["resources"]:
                assert (K3S / res).is_file(), f"kustomization lists a missing file {res}"
            continue
        kubernetes_validate.validate(doc, "1.31.0", strict=True)
        checked += 1
    assert checked >= 7


def test_k3s_deployment_drains_gracefully_and_commits_no_secret() -> None:
    docs = {(d["kind"], d.get("metadata", {}).get("name")): d for _, d in _k3s_docs()}
    assert not [k for k in docs if k[0] == "Secret"], "secrets are made by the operator"
    config = docs["ConfigMap", "parley-config"]["data"]
    drain = float(config["PARLEY_DRAIN_GRACE"]) + float(config["PARLEY_DRAIN_TIMEOUT"])
    # The replicas and the upload replicas: the same image, settings and drain.
    for name in ("parley-backend", "parley-files"):
        deployment = docs["Deployment", name]
        pod = deployment["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["image"] == "parley-backend"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        pre_stop = float(container["lifecycle"]["preStop"]["exec"]["command"][-1])
        assert pod["terminationGracePeriodSeconds"] > pre_stop + drain
        refs = [e["secretRef"]["name"] for e in container["envFrom"] if "secretRef" in e]
        assert refs == ["parley-secrets"]
        assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
        service = docs["Service", name]
        assert service["spec"]["sessionAffinity"] == "None"
        assert service["spec"]["selector"] == pod_labels(deployment)
    assert docs["HorizontalPodAutoscaler", "parley-backend"]["spec"]["minReplicas"] >= 2
    (rule,) = docs["Ingress", "parley"]["spec"]["rules"]
    routes = {p["path"]: p["backend"]["service"]["name"] for p in rule["http"]["paths"]}
    assert routes == {"/api/v1/files": "parley-files", "/": "parley-backend"}


def pod_labels(deployment: dict[str, Any]) -> dict[str, str]:
    labels: dict[str, str] = deployment["spec"]["template"]["metadata"]["labels"]
    return labels


def test_compose_files_take_secrets_from_the_environment() -> None:
    env_file = yaml.safe_load((REPO / "docker-compose.environment.yml").read_text())
    app = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert {"mysql", "elasticsearch", "rabbitmq", "redis", "minio"} <= set(env_file["services"])
    # Two projects on one external network: engines first, then the replicas (the seed's flow).
    for doc in (env_file, app):
        assert doc["networks"]["default"] == {"name": "parley", "external": True}
    backend, lb = app["services"]["backend"], app["services"]["haproxy"]
    assert backend["deploy"]["replicas"]
    files = app["services"]["files"]  # the upload replicas: the same image and settings
    assert (files["image"], files["environment"]) == (backend["image"], backend["environment"])
    assert lb["environment"]["PARLEY_LB_FILES_ADDR"] == "files:8080"
    assert "./deploy/haproxy/haproxy.cfg:" in lb["volumes"][0]
    for doc in (env_file, app):
        for name, service in doc["services"].items():
            environment = service.get("environment") or {}
            for key, value in environment.items():
                if re.search(r"PASSWORD|SECRET|_KEY$", key) and value:
                    assert "${" in str(value), f"{name}.{key} holds a literal secret"
        for key, value in (doc.get("x-backend-env") or {}).items():
            if re.search(r"PASSWORD|SECRET|_KEY$", key) or "@" in str(value):
                assert "${" in str(value), f"x-backend-env.{key} holds a literal secret"
