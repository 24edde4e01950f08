"""Morning: the day's DTSEN, P3KE and PMKS exports arrive and are imported exactly as an operator
imports them — through the registry's ``start_import`` RPC (which runs ``sipmas import`` on the
registry's host), or, with a registry that does not offer it, with ``sipmas import``'s own code
in this process — and the registry's announcements say which households they made.

The households are known from the registry's own ``household_registered``/``household_merged``
events, heard on a private queue bound before the first import: the import's summary counts
households but does not name them, and the registry's search has no batch criterion.
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pika

from services.registry.domain import places
from services.registry.domain.sources import FORMATS, normalise_header
from services.registry.use_cases.importing import batches
from sipmas import events
from sipmas_cli import synthetic
from sipmas_cli.demo.client import Cluster

# Of the day's households, how many come from each export (PMKS lists are the shortest).
SHARES = (("dtsen", 0.45), ("p3ke", 0.35), ("pmks", 0.20))
ERROR_RATE = 0.02  # real exports carry damage: a few rows are rejected and named in the report


@dataclass
class Export:
    source: str
    path: Path
    households: int
    kecamatan: set[str] = field(default_factory=set)


@dataclass
class Imported:
    source: str
    batch_id: int
    status: str  # completed | duplicate
    rows_read: int
    imported: int
    merged: int
    rejected: int
    households_registered: int
    report: Path | None


def split(households: int) -> dict[str, int]:
    """How many households each export holds (at least one each)."""
    counts = {source: max(1, round(households * share)) for source, share in SHARES}
    counts["dtsen"] += households - sum(counts.values())
    return counts


def generate(folder: Path, households: int, seed: int) -> list[Export]:
    """Write the day's exports (``sipmas generate``'s generator) and read which kecamatan each
    covers, as Dinsos reads a list before sending verifiers out."""
    folder.mkdir(parents=True, exist_ok=True)
    exports = []
    for source, count in split(households).items():
        path = folder / f"{source}.csv"
        manifest = synthetic.write_file(source, count, path, seed=seed, error_rate=ERROR_RATE)
        exports.append(Export(source, path, count, covered(source, path, manifest)))
    return exports


def covered(source: str, path: Path, manifest: synthetic.Manifest) -> set[str]:
    """The kecamatan codes of the export's rows (rows whose place cannot be read are skipped:
    the import rejects them anyway)."""
    fields = FORMATS[source].header_map()
    found = set()
    with open(path, encoding=manifest.encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=manifest.delimiter)
        names = [fields.get(normalise_header(h), "") for h in next(reader)]
        for row in reader:
            values = dict(zip(names, row, strict=False))
            place = places.resolve(
                values.get("kode_kecamatan"),
                values.get("kode_desa"),
                values.get("nama_kecamatan"),
                values.get("nama_desa"),
            )
            if place.kecamatan_code:
                found.add(place.kecamatan_code)
    return found


def import_export(export: Export, actor: str, cluster: Cluster | None = None) -> Imported:
    """One file through the registry's import, with its row report beside it; over RPC when a
    ``cluster`` is given (the registry's host reads the file: paths are absolute)."""
    path = export.path.resolve()
    report = path.with_suffix(".report.csv")
    if cluster is not None:
        done = cluster.call(
            "registry", "start_import", export.source, str(path), actor, str(report)
        )
        return Imported(
            export.source,
            done["batch_id"],
            done["status"],
            *(done[k] or 0 for k in ("rows_read", "imported", "merged", "rejected")),
            done["households_registered"] or 0,
            report if done["status"] != "duplicate" else None,
        )
    summary = batches.import_file(export.source, path, actor=actor)
    if summary.status != "duplicate":
        batches.write_report(summary.batch_id, report)
    return Imported(
        export.source,
        summary.batch_id,
        summary.status,
        summary.rows_read,
        summary.imported,
        summary.merged,
        summary.rejected,
        summary.households_registered,
        report if summary.status != "duplicate" else None,
    )


@dataclass
class Household:
    """A household the day's files registered, as the registry announced it."""

    id: int
    source: str
    desil: int | None
    kecamatan_code: str | None
    desa_code: str | None
    member_count: int | None


class Announcements:
    """The registry's ``household_registered`` and ``household_merged`` events, on a private
    queue (exclusive, deleted with the connection): heard, never taken from a service."""

    KEYS = ("household_registered", "household_merged")

    def __init__(self, amqp_uri: str) -> None:
        parameters = pika.URLParameters(amqp_uri)
        parameters.heartbeat = 0  # idle while a big file imports; closed right after
        self.connection = pika.BlockingConnection(parameters)
        self.channel = self.connection.channel()
        declared = self.channel.queue_declare("", exclusive=True, auto_delete=True)
        self.queue = declared.method.queue
        for key in self.KEYS:
            self.channel.queue_bind(self.queue, events.exchange_of("registry"), key)
        self.registered: dict[int, Household] = {}
        self.merged: dict[int, int] = {}  # household id -> batch that matched it

    def close(self) -> None:
        if self.connection.is_open:
            self.connection.close()

    def collect(self, batches: set[int], registered: int, timeout: float) -> bool:
        """Take announcements until the ``registered`` households of ``batches`` are known (or
        ``timeout``); the merges heard by then are kept too. False when time ran out."""
        deadline = time.monotonic() + timeout
        while len(self.registered) < registered and time.monotonic() < deadline:
            method, _properties, body = self.channel.basic_get(self.queue, auto_ack=True)
            if method is None:
                self.connection.sleep(0.1)
                continue
            self._take(json.loads(body), batches)
        self._drain(batches)
        return len(self.registered) >= registered

    def _drain(self, batches: set[int]) -> None:
        while True:
            method, _properties, body = self.channel.basic_get(self.queue, auto_ack=True)
            if method is None:
                return
            self._take(json.loads(body), batches)

    def _take(self, envelope: dict[str, Any], batches: set[int]) -> None:
        data = envelope["data"]
        if data.get("batch_id") not in batches:
            return  # another import (an operator's, another demo's)
        if envelope["event_type"] == "household_registered":
            self.registered[data["household_id"]] = Household(
                data["household_id"],
                data["source"],
                data.get("desil"),
                data.get("kecamatan_code"),
                data.get("desa_code"),
                data.get("member_count"),
            )
        else:
            self.merged[data["household_id"]] = data["batch_id"]
