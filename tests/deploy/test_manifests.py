"""The deployment files are valid and agree with each other and with the code.

Docker and Kubernetes cannot run here, so: ``docker-compose.yml`` is validated against the
published Compose Specification schema, every object of ``deploy/k8s`` against the published
Kubernetes schemas (strict: an unknown field is an error, as ``kubectl apply --validate=strict``
makes it) and the KEDA objects against their CRDs' ``openAPIV3Schema``
(``tests/deploy/schemas/README.md`` says where each schema comes from). What no schema can see is
checked after: names, ports, volumes, variables and queues that must match across files.
``test_container_commands.py`` then runs what the containers run.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import subprocess
import tomllib
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema_rs
import pytest

from sipmas_cli import topology
from tests.deploy import support
from tests.deploy.support import K8S, ROOT, SCHEMAS

KUBERNETES = SCHEMAS / "kubernetes-v1.33.0-strict"
KEDA = SCHEMAS / "keda-v2.10.1"
DEFINITIONS_ID = "https://kubernetes.io/api/_definitions.json"
NAMESPACE = "sipmas"

# Compose's own formats (docker-compose's validation.py and the Go implementation accept these).
GO_DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")


# --- schemas ---------------------------------------------------------------------------------


def compose_validator() -> jsonschema_rs.Validator:
    schema = json.loads((SCHEMAS / "compose-spec.json").read_text())
    return jsonschema_rs.validator_for(
        schema,
        validate_formats=True,
        formats={"duration": lambda value: bool(GO_DURATION.match(value))},
    )


@functools.cache
def kubernetes_registry() -> jsonschema_rs.Registry:
    definitions = json.loads((KUBERNETES / "_definitions.json").read_text())
    return jsonschema_rs.Registry([(DEFINITIONS_ID, definitions)])


def strict(schema: Any) -> Any:
    """A CRD schema as the API server applies it with strict field validation: a field the
    schema does not name is an error (a plain JSON Schema would let ``minReplicas`` pass)."""
    if isinstance(schema, dict):
        schema = {key: strict(value) for key, value in schema.items()}
        if "properties" in schema and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
    elif isinstance(schema, list):
        schema = [strict(item) for item in schema]
    return schema


def schema_for(document: dict[str, Any]) -> jsonschema_rs.Validator:
    """The validator of an object's apiVersion and kind (kubernetes-validate's file names)."""
    api_version, kind = document["apiVersion"], document["kind"]
    if api_version.startswith("keda.sh/"):
        path = KEDA / f"{kind.lower()}-keda-{api_version.split('/')[1]}.json"
        assert path.exists(), f"no KEDA schema vendored for {kind}: see schemas/README.md"
        schema = strict(json.loads(path.read_text()))
    else:
        group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
        path = KUBERNETES / f"{kind.lower()}-{group}.json"
        assert path.exists(), f"no schema vendored for {api_version} {kind}: see vendor.py"
        schema = json.loads(path.read_text())
    return jsonschema_rs.validator_for(
        schema, registry=kubernetes_registry(), base_uri=f"https://kubernetes.io/api/{path.name}"
    )


def errors(validator: jsonschema_rs.Validator, instance: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, error.instance_path))}: {error.message}"
        for error in validator.iter_errors(instance)
    ]


def test_compose_file_follows_the_compose_specification():
    assert errors(compose_validator(), support.compose()) == []


@pytest.mark.parametrize(
    ("mistake", "found"),
    [
        (
            ("registry", "depends_on", {"migrate": {"condition": "service_completed"}}),
            "services/registry/depends_on: ",
        ),
        (
            ("registry", "healthcheck", {"test": ["CMD", "true"], "intervall": "15s"}),
            "services/registry/healthcheck: Additional properties are not allowed ('intervall'",
        ),
        (("gateway", "ports", [{"target": "8000"}]), "services/gateway/ports/0: "),
        (
            ("rabbitmq", "restart", ["always"]),
            'services/rabbitmq/restart: ["always"] is not of type',
        ),
    ],
    ids=["unknown condition", "misspelt key", "port as string", "restart as list"],
)
def test_compose_validation_catches_mistakes(mistake, found):
    service, key, value = mistake
    spec = support.compose()
    spec["services"][service][key] = value
    [error] = errors(compose_validator(), spec)  # that mistake, named where it is, and no other
    assert error.startswith(found), error


def test_compose_durations_are_what_compose_reads():
    spec = support.compose()
    spec["services"]["registry"]["healthcheck"]["interval"] = "15 seconds"
    assert errors(compose_validator(), spec) == [
        'services/registry/healthcheck/interval: "15 seconds" is not a "duration"'
    ]


@pytest.mark.parametrize(
    "document",
    support.k8s_documents(),
    ids=lambda d: f"{d[0]}:{d[1]['kind']}/{d[1]['metadata']['name']}",
)
def test_kubernetes_object_follows_its_schema(document):
    _, obj = document
    assert errors(schema_for(obj), obj) == []


def test_kubernetes_validation_catches_mistakes():
    deployment = copy.deepcopy(support.k8s_objects("Deployment")["registry"])
    container = support.pod_spec(deployment)["containers"][0]
    container["readinessProbe"]["exec"]["commands"] = container["readinessProbe"]["exec"].pop(
        "command"
    )
    assert errors(schema_for(deployment), deployment) == [
        "spec/template/spec/containers/0/readinessProbe/exec: "
        "Additional properties are not allowed ('commands' was unexpected)"
    ]
    scaled = copy.deepcopy(support.k8s_objects("ScaledObject")["registry"])
    scaled["spec"]["minReplicas"] = scaled["spec"].pop("minReplicaCount")
    assert errors(schema_for(scaled), scaled) == [
        "spec: Additional properties are not allowed ('minReplicas' was unexpected)"
    ]
    scaled = copy.deepcopy(support.k8s_objects("ScaledObject")["registry"])
    scaled["spec"]["maxReplicaCount"] = "8"
    assert errors(schema_for(scaled), scaled) == [
        'spec/maxReplicaCount: "8" is not of type "integer"'
    ]


def test_kustomization_lists_every_manifest_and_one_image():
    kustomization = support.yaml.safe_load((K8S / "kustomization.yaml").read_text())
    files = {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert sorted(kustomization["resources"]) == sorted(files)
    assert kustomization["namespace"] == NAMESPACE
    assert [image["name"] for image in kustomization["images"]] == ["sipmas"]
    for _, obj in support.k8s_documents():
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == NAMESPACE, obj["metadata"]["name"]


# --- the same services everywhere ------------------------------------------------------------


def containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    return support.pod_spec(workload)["containers"]


def service_modules() -> set[str]:
    return {path.parent.name for path in (ROOT / "services").glob("*/service.py")}


def test_every_service_runs_in_compose_and_kubernetes_with_the_same_command():
    spec = support.compose()
    apps = support.app_services(spec)
    deployments = support.k8s_objects("Deployment")
    assert service_modules() <= set(apps), "a service module is missing from docker-compose.yml"
    assert set(apps) <= set(support.roles()), "entrypoint.sh does not know a compose service"
    assert set(deployments) == set(apps)
    for name, service in apps.items():
        assert service["command"] == [name]
        (container,) = containers(deployments[name])
        assert container["args"] == service["command"], name
    (migrate,) = containers(support.k8s_objects("Job")["migrate"])
    assert migrate["args"] == spec["services"]["migrate"]["command"] == ["migrate"]


def test_health_checks_are_the_same_in_compose_and_kubernetes():
    spec = support.compose()
    for name, deployment in support.k8s_objects("Deployment").items():
        compose_check = spec["services"][name]["healthcheck"]["test"]
        assert compose_check[0] == "CMD"
        assert compose_check[1:] == ["python", "/app/deploy/healthcheck.py", name, "--ready"]
        (container,) = containers(deployment)
        if name == "gateway":  # HTTP: the probes ask /health themselves
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                assert container[probe]["httpGet"] == {"path": "/health", "port": "http"}
            continue
        assert container["readinessProbe"]["exec"]["command"] == compose_check[1:]
        alive = compose_check[1:-1]
        assert container["livenessProbe"]["exec"]["command"] == alive
        assert container["startupProbe"]["exec"]["command"] == alive
        (wait,) = support.pod_spec(deployment)["initContainers"]
        assert wait["args"] == ["wait-migrated", name]


def test_one_image_everywhere_running_as_its_non_root_user():
    stage = support.final_stage()
    spec = support.compose()
    images = {spec["services"][name]["image"] for name in [*support.app_services(spec), "migrate"]}
    assert images == {"sipmas:latest"}
    uid = int(re.search(r"ARG SIPMAS_UID=(\d+)", support.DOCKERFILE.read_text()).group(1))
    assert stage.user in (f"{uid}:{uid}", "${SIPMAS_UID}:${SIPMAS_UID}")
    for _, obj in support.k8s_documents():
        if obj["kind"] not in ("Deployment", "Job"):
            continue
        pod = support.pod_spec(obj)
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == uid
        assert pod["automountServiceAccountToken"] is False
        for container in pod.get("initContainers", []) + pod["containers"]:
            assert container["image"] == "sipmas"
            assert container["securityContext"] == {
                "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": True,
                "capabilities": {"drop": ["ALL"]},
            }
            assert "memory" in container["resources"]["limits"]
            assert {"cpu", "memory"} <= set(container["resources"]["requests"])


def test_dockerfile_builds_one_non_root_image_without_build_tools():
    text = support.DOCKERFILE.read_text()
    stages = re.findall(r"^FROM\s+(\S+)", text, re.M)
    assert len(stages) == 3, "a Python builder stage, a web (npm) stage and a runtime stage"
    assert re.search(r"^COPY --from=web /web/dist \./web/dist$", text, re.M)
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim", text, re.M)
    stage = support.final_stage()
    assert stage.workdir == "/app"
    assert stage.entrypoint == ["/app/deploy/entrypoint.sh"]
    assert "/app/deploy/healthcheck.py" in stage.healthcheck
    for tool in ("gcc", "build-essential", "libpq-dev", "python3-dev", "make"):
        assert not any(re.search(rf"\b{tool}\b", run) for run in stage.runs), tool
    copied = {source for sources, _ in stage.copies for source in sources}
    assert copied == {"config.yaml", "deploy/entrypoint.sh", "deploy/healthcheck.py"}


def test_dockerignore_keeps_out_what_the_image_must_not_hold_and_nothing_it_needs():
    needed = ["pyproject.toml", "README.md", "config.yaml", "deploy/entrypoint.sh"]
    needed += ["deploy/healthcheck.py", "sipmas_cli/main.py", "services/registry/service.py"]
    needed += ["web/package.json", "web/package-lock.json", "web/src/main.tsx", "web/index.html"]
    needed += [str(p.relative_to(ROOT)) for p in (ROOT / "sipmas" / "reference").rglob("*.csv")]
    for path in needed:
        assert not support.dockerignored(path), path
    for path in [".venv/bin/python", ".git/HEAD", "tests/conftest.py", "var/evidence/ab/x"]:
        assert support.dockerignored(path), path
    assert support.dockerignored("sipmas/__pycache__/cli.cpython-311.pyc")
    assert support.dockerignored("web/node_modules/preact/package.json")  # installed in the stage
    assert support.dockerignored("web/dist/index.html")  # built in the stage


def tracked_files(top: str) -> Iterator[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", top],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return (ROOT / name for name in listed)


def matches(relative: Path, base: Path, patterns: list[str]) -> bool:
    """Whether setuptools' package-data ``patterns`` of package directory ``base`` take the
    file ``relative`` (a pattern's ``*`` does not cross a ``/``)."""
    if base not in relative.parents:
        return False
    inner = str(relative.relative_to(base))
    return any(fnmatch(inner, p) and inner.count("/") == p.count("/") for p in patterns)


def test_the_wheel_in_the_image_carries_every_data_file_the_code_reads():
    """The image installs SIPMAS as a wheel: a migration, template or data file that
    pyproject.toml's package-data does not name is missing in the container only."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    package_data = pyproject["tool"]["setuptools"]["package-data"]
    missing = []
    for top in ("sipmas", "services"):
        for path in tracked_files(top):
            if path.suffix in (".py", ".pyc") and "migrations" not in path.parts:
                continue
            if path.name in ("README.md", "DESIGN.md") or "__pycache__" in path.parts:
                continue
            relative = path.relative_to(ROOT)
            covered = any(
                matches(relative, Path(*package.split(".")), patterns)
                for package, patterns in package_data.items()
            )
            if path.suffix == ".py" and not covered:
                covered = (path.parent / "__init__.py").exists()  # a package: found anyway
            if not covered:
                missing.append(str(relative))
    assert missing == [], "add these to [tool.setuptools.package-data] in pyproject.toml"


# --- environment -----------------------------------------------------------------------------


def k8s_container_env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each variable a container gets: from ``env`` (value or secret) and from ConfigMaps."""
    configmaps = support.k8s_objects("ConfigMap")
    found: dict[str, dict[str, Any]] = {}
    for source in container.get("envFrom", []):
        for key, value in configmaps[source["configMapRef"]["name"]]["data"].items():
            found[key] = {"value": value, "from": "configmap"}
    for item in container.get("env", []):
        if "valueFrom" in item:
            found[item["name"]] = {"secret": item["valueFrom"]["secretKeyRef"], "from": "secret"}
        else:
            found[item["name"]] = {"value": item["value"], "from": "value"}
    return found


def secret_value(ref: dict[str, str]) -> str:
    secret = support.k8s_objects("Secret")[ref["name"]]
    return secret["stringData"][ref["key"]]


def test_every_variable_the_deployment_sets_is_read_by_the_code():
    variables = support.code_variables()
    spec = support.compose()
    names: set[str] = set()
    for service in spec["services"].values():
        if "command" in service:
            names |= set(support.compose_environment(service))
    names |= set(support.k8s_objects("ConfigMap")["sipmas-config"]["data"])
    for _, obj in support.k8s_documents():
        if obj["kind"] in ("Deployment", "Job"):
            for container in containers(obj) + support.pod_spec(obj).get("initContainers", []):
                names |= {item["name"] for item in container.get("env", [])}
    names |= set(support.final_stage().env) - {"PATH", "PYTHONUNBUFFERED"}
    names -= {"PYTHONDONTWRITEBYTECODE"}
    unread = sorted(name for name in names if not support.read_by_code(name, variables))
    assert unread == [], "set by the deployment, read by nothing (a typo, or config.yaml lacks it)"


# The demo drives a running system from outside it; it is not deployed.
NOT_DEPLOYED = ("sipmas_cli/demo/",)
LOCAL_DEFAULT = re.compile(r"127\.0\.0\.1|localhost")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY$|_AUTH$|_URI$|DATABASE_URL$")


def test_variables_whose_default_only_works_on_a_laptop_are_set():
    """A default naming this machine, or a path relative to the working directory, is wrong in
    a container: such a variable must be set by both deployments (or by the image)."""
    spec = support.compose()
    compose_names: set[str] = set()
    for service in support.app_services(spec).values():
        compose_names |= set(support.compose_environment(service))
    k8s_names: set[str] = set()
    for deployment in support.k8s_objects("Deployment").values():
        k8s_names |= set(k8s_container_env(containers(deployment)[0]))
    image_names = set(support.final_stage().env)
    for variable in support.code_variables():
        if variable.where.startswith(NOT_DEPLOYED):
            continue
        default = variable.default or ""
        relative_path = default.startswith("var/")
        if not (LOCAL_DEFAULT.search(default) or relative_path) or "[" in variable.name:
            continue
        name = variable.name.replace("\\", "")
        assert name in compose_names | image_names, f"{name} ({variable.where}) not in compose"
        assert name in k8s_names | image_names, f"{name} ({variable.where}) not in deploy/k8s"


def test_each_service_has_its_own_broker_user_and_database():
    spec = support.compose()
    definitions = json.loads((ROOT / "deploy/rabbitmq/definitions.json").read_text())
    users = {user["name"] for user in definitions["users"]}
    deployments = support.k8s_objects("Deployment")
    for name, service in support.app_services(spec).items():
        env = support.compose_environment(service)
        k8s_env = k8s_container_env(containers(deployments[name])[0])
        for uri in (env["AMQP_URI"], secret_value(k8s_env["AMQP_URI"]["secret"])):
            amqp = urlsplit(uri)
            assert (amqp.username, amqp.hostname, amqp.port, amqp.path) == (
                f"svc-{name}",
                "rabbitmq",
                5672,
                "/sipmas",
            )
            assert amqp.username in users
        variable = f"{name.upper()}_DATABASE_URL"
        for url in (env[variable], secret_value(k8s_env[variable]["secret"])):
            database = urlsplit(url)
            assert database.scheme == "postgresql"
            assert (database.username, database.hostname, database.port, database.path) == (
                f"sipmas_{name}",
                "postgres",
                5432,
                f"/sipmas_{name}",
            )
        other = [key for key in env if key.endswith("_DATABASE_URL") and key != variable]
        assert other == [], f"{name} must not reach another service's database"
        assert k8s_env["AMQP_URI"]["secret"]["key"] == f"{name}-amqp-uri"


def test_migrate_reaches_every_database_the_init_script_creates():
    spec = support.compose()
    migrate = support.compose_environment(spec["services"]["migrate"])
    script = (ROOT / "deploy/postgres/init-databases.sh").read_text()
    created = re.search(r"SIPMAS_DB_SERVICES:-([a-z ]+)\}", script).group(1).split()
    migrations = {p.parent.parent.name for p in (ROOT / "services").glob("*/migrations/env.py")}
    assert migrations <= set(created)
    assert sorted(key for key in migrate if key.endswith("_DATABASE_URL")) == sorted(
        f"{service.upper()}_DATABASE_URL" for service in created
    )
    postgres = support.compose_environment(spec["services"]["postgres"])
    for service in created:
        password = postgres[f"{service.upper()}_DB_PASSWORD"]
        assert urlsplit(migrate[f"{service.upper()}_DATABASE_URL"]).password == password
    (job,) = containers(support.k8s_objects("Job")["migrate"])
    assert sorted(k for k in k8s_container_env(job) if k.endswith("_DATABASE_URL")) == sorted(
        key for key in migrate if key.endswith("_DATABASE_URL")
    )


def test_secrets_come_from_the_secret_in_kubernetes():
    for _, obj in support.k8s_documents():
        if obj["kind"] not in ("Deployment", "Job"):
            continue
        for container in containers(obj) + support.pod_spec(obj).get("initContainers", []):
            for name, source in k8s_container_env(container).items():
                if SECRET_NAME.search(name):
                    assert source["from"] == "secret", f"{name} in plain sight"
                    secret_value(source["secret"])  # the key exists
    assert not any(
        SECRET_NAME.search(key) for key in support.k8s_objects("ConfigMap")["sipmas-config"]["data"]
    )


# --- volumes and ports -----------------------------------------------------------------------


def k8s_mounts(workload: dict[str, Any]) -> set[tuple[str, str, bool]]:
    """(claim, container path, read-only) of a workload's persistent volumes."""
    pod = support.pod_spec(workload)
    claims = {
        volume["name"]: volume["persistentVolumeClaim"]["claimName"]
        for volume in pod.get("volumes", [])
        if "persistentVolumeClaim" in volume
    }
    return {
        (claims[mount["name"]], mount["mountPath"], mount.get("readOnly", False))
        for mount in containers(workload)[0].get("volumeMounts", [])
        if mount["name"] in claims
    }


def test_volumes_are_declared_mounted_alike_and_hold_the_paths_the_services_write():
    spec = support.compose()
    used = set()
    for service in spec["services"].values():
        used |= {src for src, _, _ in support.compose_mounts(service) if not src.startswith(".")}
    assert used == set(spec["volumes"])
    claims = set(support.k8s_objects("PersistentVolumeClaim"))
    deployments = support.k8s_objects("Deployment")
    for name, service in support.app_services(spec).items():
        assert service["read_only"] is True and service["tmpfs"] == ["/tmp"]
        mounts = support.compose_mounts(service)
        env = support.compose_environment(service)
        for variable in ("SIPMAS_EVIDENCE_ROOT", "SIPMAS_UPLOAD_ROOT", "SIPMAS_FIELD_KEY_DIR"):
            if variable in env:  # set for this service: it is a volume (the rest is read-only)
                assert env[variable] in {path for _, path, _ in mounts}, (name, variable)
        expected = {(f"sipmas-{source}", path, ro) for source, path, ro in mounts}
        assert k8s_mounts(deployments[name]) == expected, name
        assert {claim for claim, _, _ in expected} <= claims
    defaults = support.final_stage().env
    configmap = support.k8s_objects("ConfigMap")["sipmas-config"]["data"]
    for variable in ("SIPMAS_EVIDENCE_ROOT", "SIPMAS_UPLOAD_ROOT"):
        assert configmap[variable] == defaults[variable]


def test_the_gateway_port_is_the_same_everywhere():
    spec = support.compose()
    gateway = spec["services"]["gateway"]
    port = support.compose_environment(gateway)["WEB_SERVER_ADDRESS"].rsplit(":", 1)[1]
    assert [mapping.rsplit(":", 1)[1] for mapping in gateway["ports"]] == [port]
    assert support.final_stage().expose == [port]
    deployment = support.k8s_objects("Deployment")["gateway"]
    (container,) = containers(deployment)
    env = k8s_container_env(container)
    assert env["WEB_SERVER_ADDRESS"]["value"].rsplit(":", 1)[1] == port
    http = {p["name"]: p["containerPort"] for p in container["ports"]}["http"]
    assert str(http) == port
    (service_port,) = support.k8s_objects("Service")["gateway"]["spec"]["ports"]
    assert service_port["targetPort"] == "http"


def test_metrics_port_is_the_one_the_services_serve():
    port = support.k8s_objects("ConfigMap")["sipmas-config"]["data"]["SIPMAS_METRICS_PORT"]
    for name, deployment in support.k8s_objects("Deployment").items():
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["prometheus.io/port"] == port, name
        ports = {p["name"]: p["containerPort"] for p in containers(deployment)[0]["ports"]}
        assert str(ports["metrics"]) == port, name


# --- autoscaling on queue length -------------------------------------------------------------


def queues_of(service: str) -> set[str]:
    """The queues ``service`` consumes: its event queues (sipmas/topology.py) and nameko's RPC
    queue of the service class's ``name``."""
    source = (ROOT / "services" / service / "service.py").read_text()
    rpc = {f"rpc-{match}" for match in re.findall(r'^\s+name = "([a-z_]+)"', source, re.M)}
    events = {topology.consumer_queue(*c) for c in topology.CONSUMERS if c[2] == service}
    return rpc | events


def test_keda_scales_each_consumer_on_queues_it_consumes():
    scaled = support.k8s_objects("ScaledObject")
    auths = support.k8s_objects("TriggerAuthentication")
    deployments = support.k8s_objects("Deployment")
    consumers = {service for _, _, service, _ in topology.CONSUMERS} & set(deployments)
    assert set(scaled) == consumers - {"gateway"}
    single_active = {queue for _, _, queue in topology.INBOUND}
    for obj in scaled.values():
        spec = obj["spec"]
        assert spec["scaleTargetRef"]["name"] in deployments
        assert spec["minReplicaCount"] >= 1, "timers and the outbox relay run in the service"
        target = spec["scaleTargetRef"]["name"]
        for trigger in spec["triggers"]:
            assert trigger["type"] == "rabbitmq"
            metadata = trigger["metadata"]
            assert set(metadata) <= {"protocol", "mode", "value", "queueName", "vhostName"}
            assert metadata["protocol"] == "amqp" and metadata["mode"] == "QueueLength"
            assert int(metadata["value"]) > 0
            queue = metadata["queueName"]
            assert queue in queues_of(target), f"{queue} is not a queue {target} consumes"
            assert queue not in single_active
            auth = auths[trigger["authenticationRef"]["name"]]
            (ref,) = auth["spec"]["secretTargetRef"]
            assert ref["parameter"] == "host" and ref["key"] == f"{target}-amqp-uri"
            secret_value({"name": ref["name"], "key": ref["key"]})


def test_keda_queue_check_would_catch_a_misspelt_queue():
    assert "evt-registry-household_registered--verification.on_household_registered" in queues_of(
        "verification"
    )
    assert "evt-registry-household_registred--verification.on_household_registered" not in (
        queues_of("verification")
    )
    assert "rpc-verification" in queues_of("verification")
    assert "rpc-registry" not in queues_of("verification")


# --- the broker and the database -------------------------------------------------------------

RABBITMQ_LIB = Path("/usr/lib/rabbitmq/lib")


def rabbitmq_config_keys() -> set[str]:
    """Every key RabbitMQ's configuration schemas map (the broker installed here)."""
    keys: set[str] = set()
    for schema in RABBITMQ_LIB.glob("rabbitmq_server-*/plugins/*/priv/schema/*.schema"):
        keys |= set(re.findall(r'\{mapping,\s*"([^"]+)"', schema.read_text(errors="replace")))
    return keys


def test_rabbitmq_conf_names_settings_rabbitmq_knows():
    known = rabbitmq_config_keys()
    if not known:
        pytest.skip("no RabbitMQ installed here to read its configuration schema from")
    patterns = [
        re.compile("^" + re.sub(r"\\\$[a-z_]+", "[^.]+", re.escape(k)) + "$") for k in known
    ]
    conf = (ROOT / "deploy/rabbitmq/rabbitmq.conf").read_text()
    settings = dict(
        line.split("=", 1)
        for line in conf.splitlines()
        if line.strip() and not line.startswith("#")
    )
    for key in settings:
        assert any(p.match(key.strip()) for p in patterns), f"unknown setting {key.strip()}"
    spec = support.compose()
    mounts = {
        path: source for source, path, _ in support.compose_mounts(spec["services"]["rabbitmq"])
    }
    definitions = settings["definitions.local.path "].strip()
    assert mounts[definitions] == "./deploy/rabbitmq/definitions.json"
    assert mounts["/etc/rabbitmq/rabbitmq.conf"] == "./deploy/rabbitmq/rabbitmq.conf"


def test_broker_and_database_are_healthy_before_anything_starts():
    spec = support.compose()
    for name, service in spec["services"].items():
        if name in ("rabbitmq", "postgres"):
            assert service["healthcheck"]["test"][0] == "CMD"
            continue
        depends = service["depends_on"]
        assert depends["postgres"] == {"condition": "service_healthy"}
        assert depends["rabbitmq"] == {"condition": "service_healthy"}
        if name != "migrate":
            assert depends["migrate"] == {"condition": "service_completed_successfully"}
            assert service["restart"] == "unless-stopped"
    assert spec["services"]["migrate"]["restart"] == "no"
