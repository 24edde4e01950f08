"""The layout holds: the kernel imports no service, and each service's pure ``domain/`` cannot
reach I/O or its own use cases without the lint failing (``banned-api`` in ``pyproject.toml``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("registry", "verification", "referral", "notifications", "gateway")
RUFF = Path(sys.executable).with_name("ruff")

IMPORT_EVERY_KERNEL_MODULE = """
import importlib, pkgutil, sys, warnings
warnings.simplefilter("ignore")
import sipmas
for module in pkgutil.walk_packages(sipmas.__path__, "sipmas."):
    if not module.name.endswith("__main__"):
        importlib.import_module(module.name)
print("\\n".join(sorted(name for name in sys.modules if name.split(".")[0] == "services")))
"""


def lint(path: str, source: str) -> subprocess.CompletedProcess:
    """ruff on ``source`` as if it were the file ``path`` (the config of its folder applies)."""
    return subprocess.run(
        [str(RUFF), "check", "--no-cache", "--stdin-filename", path, "-"],
        input=source,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def test_importing_every_kernel_module_loads_no_service():
    loaded = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_KERNEL_MODULE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert loaded == []


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize(
    "line",
    [
        "import sqlalchemy.orm",
        "from sqlalchemy.orm import Session",
        "from nameko.rpc import rpc",
        "import eventlet",
        "from sipmas import db",
        "from sipmas.outbox import add",
        "from sipmas.messaging import inbox",
        "from services.{service}.use_cases import x",
        "from services.{service} import service",
        "from services.{service}.models import Base",
        "from ..use_cases import x",
    ],
)
def test_a_pure_module_that_reaches_io_or_its_use_cases_fails_the_lint(service, line):
    found = lint(f"services/{service}/domain/probe.py", line.format(service=service) + "\n")
    assert found.returncode == 1
    assert "TID25" in found.stdout, found.stdout


@pytest.mark.parametrize("service", SERVICES)
def test_a_pure_module_of_plain_python_and_the_kernels_pure_parts_passes(service):
    source = "from sipmas import events, nik, reference\n\nprint(events, nik, reference)\n"
    found = lint(f"services/{service}/domain/probe.py", source)
    assert found.returncode == 0, found.stdout


def test_the_same_import_is_allowed_in_a_use_case():
    source = "import sqlalchemy.orm\n\nprint(sqlalchemy.orm)\n"
    assert lint("services/registry/use_cases/probe.py", source).returncode == 0
