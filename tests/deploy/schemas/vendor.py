"""Re-create the vendored schemas of ``tests/deploy/schemas/`` from their published packages.

Run by hand when a schema version changes (needs PyPI and the npm registry; the tests never do):

    .venv/bin/python tests/deploy/schemas/vendor.py

Each archive is fetched with its registry's own client (``pip download``, ``npm pack``), checked
against the SHA-256 recorded below, and the files are written as ``README.md`` describes:

- the Compose Specification schema, verbatim from ``docker-compose`` on PyPI;
- the Kubernetes schemas of the kinds SIPMAS deploys, verbatim from ``kubernetes-validate`` on
  PyPI, with ``_definitions.json`` cut to the definitions those kinds reach (each kept as is);
- the KEDA CRDs' ``openAPIV3Schema`` (ScaledObject, TriggerAuthentication), from the npm package
  ``@kubernetes-models/keda``, which embeds them as JavaScript object literals; only the
  ``ObjectMeta`` reference is pointed at the Kubernetes definitions.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

COMPOSE = (
    "docker-compose==1.29.2",
    "docker_compose-1.29.2-py2.py3-none-any.whl",
    "8d5589373b35c8d3b1c8c1182c6e4a4ff14bffa3dd0b605fcd08f73c94cef809",
)
KUBERNETES = (
    "kubernetes-validate==1.37.0",
    "kubernetes_validate-1.37.0-py3-none-any.whl",
    "85136d018a27b50ec7fc049d902bfa5193f5976807e6c0f408e3ab6fe078cad9",
)
KEDA = (
    "@kubernetes-models/keda@0.3.2",
    "kubernetes-models-keda-0.3.2.tgz",
    "24e4aaef8e4d8f93abdd516512b31a0083c0e386f1d8b0580aff7f3a3f767c39",
)

KUBERNETES_VERSION = "v1.33.0"
KUBERNETES_DIR = f"kubernetes-{KUBERNETES_VERSION}-strict"
# (apiVersion, kind) of every object in deploy/k8s; file names as kubernetes-validate names them.
KINDS = [
    ("v1", "Namespace"),
    ("v1", "ConfigMap"),
    ("v1", "Secret"),
    ("v1", "Service"),
    ("v1", "PersistentVolumeClaim"),
    ("apps/v1", "Deployment"),
    ("batch/v1", "Job"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
]
KEDA_DIR = "keda-v2.10.1"
KEDA_KINDS = ["ScaledObject", "TriggerAuthentication"]
DEFINITIONS_ID = "https://kubernetes.io/api/_definitions.json"


def kubernetes_file(api_version: str, kind: str) -> str:
    """kubernetes-validate's file name: ``apps/v1`` Deployment → ``deployment-apps-v1.json``."""
    group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return f"{kind.lower()}-{group}.json"


def fetch(command: list[str], name: str, sha256: str, into: Path) -> Path:
    subprocess.run(command, cwd=into, check=True, stdout=subprocess.DEVNULL)
    path = into / name
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        sys.exit(f"{name}: sha256 {digest}, expected {sha256}")
    return path


def refs(node: object) -> set[str]:
    """Every definition name a schema node refers to (``#/$defs/<name>``, any document)."""
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and "#/$defs/" in ref:
            found.add(ref.split("#/$defs/", 1)[1])
        for value in node.values():
            found |= refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= refs(value)
    return found


def vendor_kubernetes(wheel: Path) -> None:
    base = f"kubernetes_validate/kubernetes-json-schema/{KUBERNETES_VERSION}-local-strict"
    out = HERE / KUBERNETES_DIR
    out.mkdir(exist_ok=True)
    with zipfile.ZipFile(wheel) as archive:
        definitions = json.loads(archive.read(f"{base}/_definitions.json"))
        wanted: set[str] = set()
        for api_version, kind in KINDS:
            name = kubernetes_file(api_version, kind)
            raw = archive.read(f"{base}/{name}")
            (out / name).write_bytes(raw)
            wanted |= refs(json.loads(raw))
    wanted.add("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")  # the KEDA schemas use it
    kept: dict[str, object] = {}
    while wanted:
        name = wanted.pop()
        if name not in kept:
            kept[name] = definitions["$defs"][name]
            wanted |= refs(kept[name])
    definitions["$defs"] = dict(sorted(kept.items()))
    (out / "_definitions.json").write_text(json.dumps(definitions, indent=2) + "\n")


def vendor_keda(tgz: Path) -> None:
    out = HERE / KEDA_DIR
    out.mkdir(exist_ok=True)
    with tarfile.open(tgz) as archive:
        for kind in KEDA_KINDS:
            member = archive.extractfile(f"package/keda.sh/v1alpha1/{kind}.js")
            source = member.read().decode()
            literal = re.search(r"^const schema = (\{.*?^\});$", source, re.S | re.M).group(1)
            schema = json.loads(
                literal.replace(
                    '"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta#"',
                    f'"{DEFINITIONS_ID}#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"',
                )
            )
            name = f"{kind.lower()}-keda-v1alpha1.json"
            (out / name).write_text(json.dumps(schema, indent=2) + "\n")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet"]
        compose = fetch([*pip, COMPOSE[0]], COMPOSE[1], COMPOSE[2], work)
        with zipfile.ZipFile(compose) as archive:
            (HERE / "compose-spec.json").write_bytes(
                archive.read("compose/config/compose_spec.json")
            )
        vendor_kubernetes(fetch([*pip, KUBERNETES[0]], KUBERNETES[1], KUBERNETES[2], work))
        vendor_keda(fetch(["npm", "pack", "--silent", KEDA[0]], KEDA[1], KEDA[2], work))


if __name__ == "__main__":
    main()
