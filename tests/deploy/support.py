"""The deployment files read as their tools read them: the Compose file interpolated like
``docker compose`` does, the Dockerfile's final stage, the Kubernetes manifests, the code's
environment variables."""

from __future__ import annotations

import ast
import copy
import fnmatch
import functools
import json
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
K8S = ROOT / "deploy" / "k8s"
SCHEMAS = Path(__file__).resolve().parent / "schemas"
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"

# Compose: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+alt},
# $VAR, and $$ for a literal $.
_INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?+])?(?P<arg>[^}]*)\}"
    r"|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)


class MissingVariable(LookupError):
    """A ``${VAR:?message}`` whose variable is not set."""


def interpolate(value: Any, env: Mapping[str, str]) -> Any:
    """``value`` with every string interpolated as Compose does, from ``env`` only."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match) -> str:
        if match.group("escaped"):
            return "$"
        name = match.group("braced") or match.group("named")
        op, arg = match.group("op"), match.group("arg") or ""
        present = name in env
        set_nonempty = present and env[name] != ""
        if op in (":-", "-"):
            return env[name] if (set_nonempty if op == ":-" else present) else arg
        if op in (":?", "?"):
            if set_nonempty if op == ":?" else present:
                return env[name]
            raise MissingVariable(f"{name}: {arg}")
        if op in (":+", "+"):
            return arg if (set_nonempty if op == ":+" else present) else ""
        return env.get(name, "")

    return _INTERPOLATION.sub(replace, value)


@functools.cache
def _compose_raw() -> dict[str, Any]:
    return yaml.load(COMPOSE_FILE.read_text(), Loader=LOADER)


def compose_raw() -> dict[str, Any]:
    """The Compose file as YAML (anchors and merge keys resolved), not yet interpolated."""
    return copy.deepcopy(_compose_raw())


def compose(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The Compose file as ``docker compose config`` sees it with ``env`` (default: nothing set,
    so every development default applies)."""
    return interpolate(compose_raw(), env or {})


def compose_environment(service: Mapping[str, Any]) -> dict[str, str]:
    """A service's ``environment`` (mapping or ``KEY=VALUE`` list) as a dict of strings."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) if "=" in item else (item, "") for item in raw)
    return {key: "" if value is None else str(value) for key, value in raw.items()}


def compose_mounts(service: Mapping[str, Any]) -> list[tuple[str, str, bool]]:
    """A service's volumes as (source, container path, read-only), short syntax."""
    mounts = []
    for volume in service.get("volumes", []):
        parts = volume.split(":")
        mounts.append((parts[0], parts[1], len(parts) > 2 and "ro" in parts[2].split(",")))
    return mounts


def roles() -> list[str]:
    """The service roles ``deploy/entrypoint.sh`` accepts (its ``a | b | c)`` case line)."""
    for line in ENTRYPOINT.read_text().splitlines():
        match = re.match(r"^\s*([a-z]+(?:\s*\|\s*[a-z]+)+)\)\s*$", line)
        if match:
            return [name.strip() for name in match.group(1).split("|")]
    raise AssertionError("entrypoint.sh names no service roles")


def app_services(spec: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Compose services that run a SIPMAS service (their command is a service role)."""
    known = set(roles())
    return {
        name: service
        for name, service in spec["services"].items()
        if service.get("command") and service["command"][0] in known
    }


# --- the Dockerfile --------------------------------------------------------------------------


@dataclass
class Stage:
    """What a Dockerfile stage says about the image it makes."""

    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    copies: list[tuple[list[str], str]] = field(default_factory=list)  # from the build context
    runs: list[str] = field(default_factory=list)
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    user: str = ""
    expose: list[str] = field(default_factory=list)
    healthcheck: str = ""


def dockerfile_instructions() -> Iterator[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    logical = ""
    for line in DOCKERFILE.read_text().splitlines():
        if line.lstrip().startswith("#") and not logical:
            continue
        if line.rstrip().endswith("\\"):
            logical += line.rstrip()[:-1] + " "
            continue
        logical += line
        if logical.strip():
            instruction, _, arguments = logical.strip().partition(" ")
            yield instruction.upper(), arguments.strip()
        logical = ""


def final_stage() -> Stage:
    """The last stage of the Dockerfile: the image that runs."""
    stage = Stage()
    for instruction, arguments in dockerfile_instructions():
        if instruction == "FROM":
            stage = Stage()
        elif instruction == "ENV":
            for assignment in shlex.split(arguments):
                key, _, value = assignment.partition("=")
                stage.env[key] = value
        elif instruction == "WORKDIR":
            stage.workdir = arguments
        elif instruction == "COPY":
            words = shlex.split(arguments)
            if not any(word.startswith("--from") for word in words):
                paths = [word for word in words if not word.startswith("--")]
                stage.copies.append((paths[:-1], paths[-1]))
        elif instruction == "RUN":
            stage.runs.append(arguments)
        elif instruction == "ENTRYPOINT":
            stage.entrypoint = json.loads(arguments)
        elif instruction == "CMD":
            stage.cmd = json.loads(arguments)
        elif instruction == "USER":
            stage.user = arguments
        elif instruction == "EXPOSE":
            stage.expose += arguments.split()
        elif instruction == "HEALTHCHECK":
            stage.healthcheck = arguments
    return stage


def dockerignored(path: str) -> bool:
    """Whether ``.dockerignore`` keeps ``path`` (relative to the context) out of the build."""
    ignored = False
    for line in DOCKERIGNORE.read_text().splitlines():
        pattern = line.strip()
        if not pattern or pattern.startswith("#"):
            continue
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        candidates = [path] + [str(parent) for parent in Path(path).parents if str(parent) != "."]
        hit = any(
            fnmatch.fnmatch(candidate, pattern)
            or fnmatch.fnmatch(candidate, pattern.replace("**/", ""))
            for candidate in candidates
        )
        if hit:
            ignored = not negate
    return ignored


# --- Kubernetes ------------------------------------------------------------------------------


@functools.cache
def k8s_documents() -> tuple[tuple[str, dict[str, Any]], ...]:
    """Every object of ``deploy/k8s`` (but the kustomization) as (file name, object).
    Shared between tests: copy an object before changing it."""
    found = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for document in yaml.load_all(path.read_text(), Loader=LOADER):
            if document:
                found.append((path.name, document))
    return tuple(found)


def k8s_objects(kind: str) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for _, doc in k8s_documents() if doc["kind"] == kind}


def pod_spec(workload: Mapping[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


# --- the code's environment variables ----------------------------------------------------------


@dataclass(frozen=True)
class Variable:
    """An environment variable the code reads, with its default (None: no default in code)."""

    name: str  # a regular expression for a family: SIPMAS_TIMER_[A-Z0-9_]+_SECONDS
    default: str | None
    where: str


def _literal_name(node: ast.AST) -> str | None:
    """A variable name from a string or an f-string (its placeholders become a name pattern)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return re.escape(node.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(
            re.escape(part.value) if isinstance(part, ast.Constant) else "[A-Z0-9_]+"
            for part in node.values
        )
    return None


def _default(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


@functools.cache
def code_variables() -> tuple[Variable, ...]:
    """Every environment variable read by ``sipmas/`` and ``services/`` (``settings.env(...)``,
    ``env(...)`` in settings, ``os.environ.get/[]``, ``os.getenv``) and by ``config.yaml``."""
    found: list[Variable] = []
    sources = [p for top in ("sipmas", "services") for p in (ROOT / top).rglob("*.py")]
    for path in sources:
        if "migrations" in path.parts:
            continue
        where = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(), filename=where)):
            if isinstance(node, ast.Call):
                func = node.func
                called = ast.unparse(func)
                if called in ("env", "settings.env", "os.getenv", "os.environ.get") and node.args:
                    name = _literal_name(node.args[0])
                    default = _default(node.args[1]) if len(node.args) > 1 else None
                    if name:
                        found.append(Variable(name, default, where))
            elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
                name = _literal_name(node.slice)
                if name:
                    found.append(Variable(name, None, where))
    config = (ROOT / "config.yaml").read_text()
    for name, default in re.findall(r"\$\{([A-Z_][A-Z0-9_]*):?([^}]*)\}", config):
        found.append(Variable(re.escape(name), default, "config.yaml"))
    return tuple(found)


def read_by_code(name: str, variables: tuple[Variable, ...]) -> bool:
    return any(re.fullmatch(variable.name, name) for variable in variables)
