"""The ``sipmas`` command: migrate, import, generate, relay, run, bench.

Bulk work (imports, migrations) runs here, outside the eventlet hub, on plain connections.
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")

SERVICES = ("registry", "verification", "referral", "notifications")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sipmas", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    migrate = commands.add_parser(
        "migrate", help="create databases, apply migrations, declare queues"
    )
    migrate.add_argument("services", nargs="*", default=list(SERVICES))

    imp = commands.add_parser("import", help="import a DTKS/DTSEN/P3KE/PMKS file into the registry")
    imp.add_argument("--source", required=True, choices=["dtks", "dtsen", "p3ke", "pmks"])
    imp.add_argument("file", type=Path)
    imp.add_argument("--report", type=Path, help="write the row report (CSV) here")
    imp.add_argument("--actor", default="cli", help="who imports (kept on the batch)")

    gen = commands.add_parser("generate", help="write a realistic synthetic export of a source")
    gen.add_argument("--source", required=True, choices=["dtks", "dtsen", "p3ke", "pmks"])
    gen.add_argument("--households", type=int, required=True)
    gen.add_argument("--out", type=Path, required=True)
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--error-rate", type=float, default=0.0)
    gen.add_argument("--manifest", type=Path, help="also write what was injected, as JSON")
    gen.add_argument(
        "--warning-rate",
        type=float,
        default=0.0,
        help="rows whose NIK disagrees with the sex (valid, but warned about)",
    )
    gen.add_argument(
        "--zeroed-nik-column",
        action="store_true",
        help="every NIK's last digit turned to 0, as a spreadsheet does",
    )

    relay = commands.add_parser("relay", help="run the outbox relay of a service")
    relay.add_argument("service", choices=SERVICES)

    notifications = commands.add_parser("notifications", help="notifications: templates")
    notify = notifications.add_subparsers(dest="action", required=True)
    preview = notify.add_parser("preview", help="render every template of an event from a sample")
    preview.add_argument("event_type")

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return COMMANDS[args.command](args)


def cmd_migrate(args) -> int:
    from sipmas import db, topology

    for service in args.services:
        db.migrate(service)
        print(f"{service}: migrations applied")
    topology.declare()
    print("broker: exchanges and consumer queues declared")
    return 0


def cmd_import(args) -> int:
    from services.registry.importing import report, run

    def progress(step: str) -> None:
        print(f"  … {step}", file=sys.stderr, flush=True)

    print(f"Mengimpor {args.file} ({args.source}) / importing", file=sys.stderr)
    try:
        summary = run.import_file(args.source, args.file, actor=args.actor, progress=progress)
    except run.UnreadableFile as error:
        print(f"GAGAL / FAILED: {error.message_id}\n  {error.message_en}", file=sys.stderr)
        return 2
    print(report.summary_text(summary))
    if args.report:
        count = run.write_report(summary.batch_id, args.report)
        print(f"Laporan baris / row report: {args.report} ({count} baris)")
    return 0


def cmd_generate(args) -> int:
    from services.registry import synthetic

    manifest = synthetic.write_file(
        args.source,
        args.households,
        args.out,
        seed=args.seed,
        error_rate=args.error_rate,
        warning_rate=args.warning_rate,
        zeroed_nik_column=args.zeroed_nik_column,
    )
    if args.manifest:
        args.manifest.write_text(manifest.to_json())
    print(
        f"{args.out}: {manifest.households} households, {manifest.rows} rows, "
        f"{len(manifest.errors)} injected errors"
    )
    return 0


def cmd_relay(args) -> int:
    from sipmas import outbox

    outbox.run_relay(args.service)
    return 0


def cmd_notifications(args) -> int:
    from services.notifications import preview

    try:
        print(preview.text(args.event_type), end="")
    except KeyError:
        known = ", ".join(preview.event_types())
        print(f"unknown event type {args.event_type!r}; known: {known}", file=sys.stderr)
        return 2
    return 0


COMMANDS = {
    "migrate": cmd_migrate,
    "import": cmd_import,
    "generate": cmd_generate,
    "relay": cmd_relay,
    "notifications": cmd_notifications,
}

if __name__ == "__main__":
    sys.exit(main())
