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

from sipmas_cli.system import SERVICES  # noqa: E402 (after the filter: it imports nameko)


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
    imp.add_argument("--run", type=int, help=argparse.SUPPRESS)  # a background run's id
    imp.add_argument("--filename", help="the name to keep on the batch (an upload's own name)")

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

    from services.gateway import cli as gateway_cli

    gateway_cli.add_parsers(commands)  # users ..., audit verify

    health = commands.add_parser("health", help="is a service well? exit 0 yes, 1 no (probes)")
    health.add_argument("service")
    health.add_argument("--json", action="store_true", help="every check's findings as JSON")

    demo = commands.add_parser("demo", help="drive a realistic day through the running services")
    demo.add_argument("--households", type=int, default=60, help="across the three files")
    demo.add_argument("--seed", type=int, help="default: a new one each run (printed)")
    demo.add_argument("--wait", type=float, default=240, help="bound of each wait (seconds)")
    commands.add_parser("sinks", help="development SMTP and SMS/webhook sinks under var/sinks")

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return COMMANDS[args.command](args)


def cmd_migrate(args) -> int:
    from sipmas_cli import system, topology

    for service in args.services:
        system.migrate(service)
        print(f"{service}: migrations applied")
    topology.declare()
    print("broker: exchanges and consumer queues declared")
    return 0


def cmd_import(args) -> int:
    from services.registry.domain import import_summary
    from services.registry.use_cases.importing import batches

    def progress(step: str) -> None:
        print(f"  … {step}", file=sys.stderr, flush=True)

    print(f"Mengimpor {args.file} ({args.source}) / importing", file=sys.stderr)
    try:
        summary = batches.import_file(
            args.source,
            args.file,
            actor=args.actor,
            progress=progress,
            filename=args.filename,
            run_id=args.run,
        )
    except batches.UnreadableFile as error:
        print(f"GAGAL / FAILED: {error.message_id}\n  {error.message_en}", file=sys.stderr)
        return 2
    print(import_summary.summary_text(summary))
    if args.report:
        count = batches.write_report(summary.batch_id, args.report)
        print(f"Laporan baris / row report: {args.report} ({count} baris)")
    return 0


def cmd_generate(args) -> int:
    from sipmas_cli import synthetic

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
    from services.notifications.domain import preview

    try:
        print(preview.text(args.event_type), end="")
    except KeyError:
        known = ", ".join(preview.event_types())
        print(f"unknown event type {args.event_type!r}; known: {known}", file=sys.stderr)
        return 2
    return 0


def cmd_users(args) -> int:
    from services.gateway import cli

    return cli.users(args)


def cmd_audit(args) -> int:
    from services.gateway import cli

    return cli.audit(args)


def cmd_health(args) -> int:
    from sipmas.observability import health
    from sipmas_cli import topology

    queues = topology.dead_letter_queues(args.service)
    return health.main(args.service, as_json=args.json, queues=queues)


def cmd_demo(args) -> int:
    from sipmas_cli.demo import day

    return day.main(args.households, args.seed, args.wait)


def cmd_sinks(args) -> int:
    from sipmas_cli.demo import sinks

    return sinks.serve()


COMMANDS = {
    "demo": cmd_demo,
    "sinks": cmd_sinks,
    "health": cmd_health,
    "migrate": cmd_migrate,
    "import": cmd_import,
    "generate": cmd_generate,
    "relay": cmd_relay,
    "notifications": cmd_notifications,
    "users": cmd_users,
    "audit": cmd_audit,
}

if __name__ == "__main__":
    sys.exit(main())
