"""``sipmas users ...`` and ``sipmas audit verify``: the gateway's users, their tokens, and the
audit chain, from the command line (on the gateway's database, outside eventlet).

Bad input exits 2 naming each field; a broken audit chain exits 1 naming the first bad entry.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from typing import Any

INVALID_EXIT = 2
BROKEN_EXIT = 1
FIELD_OPTIONS = {  # identity's field names as the CLI spells them
    "kecamatan_codes": "--kecamatan",
    "desa_codes": "--desa",
    "opd_code": "--opd",
    "username": "USERNAME",
    "days": "--days",
    "password": "--password",
}


def add_parsers(commands: argparse._SubParsersAction) -> None:
    """The ``users`` and ``audit`` subcommands of ``sipmas``."""
    users = commands.add_parser("users", help="gateway users and their API tokens")
    users.add_argument("--actor", default=None, help="who makes the change (default: cli:$USER)")
    action = users.add_subparsers(dest="action", required=True)

    create = action.add_parser(
        "create", help="a new user (announced to the other services), with a temporary password"
    )
    create.add_argument("username")
    create.add_argument(
        "--role", required=True, help="admin|supervisor|verifier|operator|opd|viewer"
    )
    _user_options(create)
    how = create.add_mutually_exclusive_group()
    how.add_argument(
        "--password",
        action="store_true",
        help="type the password (asked twice) instead of getting a temporary one",
    )
    how.add_argument(
        "--no-password",
        action="store_true",
        help="no password: the user (an agency's system) only ever uses API tokens",
    )

    action.add_parser("list", help="every user, with their scope and live tokens")

    update = action.add_parser("update", help="change the fields given; the rest stay")
    update.add_argument("username")
    update.add_argument("--role")
    _user_options(update)
    update.add_argument("--no-area", action="store_true", help="clear kecamatan and desa codes")
    update.add_argument("--activate", action="store_true", help="make an inactive user active")

    deactivate = action.add_parser("deactivate", help="no more access; every token revoked")
    deactivate.add_argument("username")

    token = action.add_parser("token", help="issue an API token (printed once, never again)")
    token.add_argument("username")
    token.add_argument("--days", type=int, help="lifetime (default SIPMAS_TOKEN_DAYS, 90)")
    token.add_argument("--label", help="what the token is for, e.g. the laptop or the system")

    tokens = action.add_parser("tokens", help="a user's tokens (ids, state, expiry; no secrets)")
    tokens.add_argument("username")

    revoke = action.add_parser("revoke", help="revoke a token at once")
    revoke.add_argument("token_id", type=int)

    password = action.add_parser(
        "password",
        help="a new temporary password (printed once; changed at the next sign-in); "
        "ends the user's sessions",
    )
    password.add_argument("username")
    password.add_argument(
        "--set", action="store_true", help="type the password (asked twice) instead"
    )

    unlock = action.add_parser("unlock", help="lift a lock after failed sign-ins")
    unlock.add_argument("username")

    totp_off = action.add_parser("totp-off", help="turn a user's TOTP off (a lost phone)")
    totp_off.add_argument("username")

    audit = commands.add_parser("audit", help="the gateway's audit log")
    audit_action = audit.add_subparsers(dest="action", required=True)
    audit_action.add_parser("verify", help="check the hash chain: changed, deleted, reordered")


def _user_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--name")
    parser.add_argument(
        "--kecamatan",
        nargs="*",
        action="extend",
        metavar="K",
        help="kecamatan codes (64.08.04 or 640804); repeat or list several",
    )
    parser.add_argument(
        "--desa", nargs="*", action="extend", metavar="D", help="desa codes (64.08.04.2001)"
    )
    parser.add_argument("--opd", help="agency code of an opd user (sipmas/reference opd.csv)")
    parser.add_argument("--email", help='email address ("" clears it)')
    parser.add_argument("--phone", help='mobile number, e.g. 0812... ("" clears it)')


# --- the commands -------------------------------------------------------------------------------


def users(args: argparse.Namespace) -> int:
    actor = args.actor or _default_actor()
    return _run(lambda session: USER_ACTIONS[args.action](session, args, actor))


def audit(args: argparse.Namespace) -> int:
    from services.gateway.use_cases import audit as audit_log

    def check(session) -> int:
        verdict = audit_log.verify(session)
        if verdict.ok:
            print(verdict.text())
            return 0
        print(verdict.text(), file=sys.stderr)
        return BROKEN_EXIT

    return _run(check)


def _create(session, args: argparse.Namespace, actor: str) -> int:
    from services.gateway.use_cases import identity

    data = {"username": args.username, "role": args.role} | _given(args)
    typed = _typed_password() if args.password else None
    user = identity.create_user(session, data, actor)
    print(f"created {_describe(user)}")
    if args.no_password:
        print(f"  no password: sign-in by API token only (sipmas users token {user['username']})")
    elif typed is not None:
        identity.set_password(session, user["username"], typed, actor, temporary=False)
        print("  password set / kata sandi disimpan")
    else:
        temporary = identity.set_temporary_password(session, user["username"], actor)
        print(f"  temporary password / kata sandi sementara: {temporary}")
        print(
            "  shown once; changed at the first sign-in / hanya ditampilkan sekali; "
            "diganti saat pertama masuk"
        )
    print(f"  an API token for scripts: sipmas users token {user['username']}")
    return 0


def _typed_password() -> str:
    from sipmas.refusals import Invalid

    first = getpass.getpass("password / kata sandi: ")
    if getpass.getpass("again / ulangi: ") != first:
        raise Invalid({"password": ["the two differ / keduanya berbeda"]})
    return first


def _password(session, args: argparse.Namespace, actor: str) -> int:
    from services.gateway.use_cases import identity

    if args.set:
        identity.set_password(session, args.username, _typed_password(), actor, temporary=False)
        print("password set; the user's sessions ended", file=sys.stderr)
        return 0
    temporary = identity.set_temporary_password(session, args.username, actor)
    print(
        f"temporary password for {args.username.strip().lower()} — shown once, changed at the "
        "next sign-in; their sessions ended / kata sandi sementara, hanya ditampilkan sekali:",
        file=sys.stderr,
    )
    print(temporary)
    return 0


def _unlock(session, args: argparse.Namespace, actor: str) -> int:
    from services.gateway.use_cases import identity

    user = identity.unlock(session, args.username)
    print(f"unlocked {_describe(user)}")
    return 0


def _totp_off(session, args: argparse.Namespace, actor: str) -> int:
    from services.gateway.use_cases import identity

    user = identity.turn_off_totp(session, args.username, actor)
    print(f"TOTP off for {_describe(user)}; they enrol again at their next sign-in")
    return 0


def _list(session, args: argparse.Namespace, actor: str) -> int:
    from services.gateway.use_cases import identity

    found = identity.list_users(session)
    if not found:
        print("no users yet: sipmas users create USERNAME --role ROLE ...")
        return 0
    for user in found:
        live = sum(t["state"] == "live" for t in identity.list_tokens(session, user["username"]))
        print(f"{_describe(user)}; {live} live token(s)")
    return 0


def _update(session, args: argparse.Namespace, actor: str) -> int:
    from services.gateway.use_cases import identity

    changes = {"kecamatan_codes": [], "desa_codes": []} if args.no_area else {}
    changes |= _given(args)  # --no-area --desa D: the area becomes D alone
    if args.role is not None:
        changes["role"] = args.role
    if args.activate:
        changes["active"] = True
    if not changes:
        print("nothing to change: give --role, --name, --desa, ...", file=sys.stderr)
        return INVALID_EXIT
    user = identity.update_user(session, args.username, changes, actor)
    print(f"updated {_describe(user)}")
    return 0


def _deactivate(session, args: argparse.Namespace, actor: str) -> int:
    from services.gateway.use_cases import identity

    user = identity.deactivate_user(session, args.username, actor)
    print(f"deactivated {_describe(user)}; its tokens are revoked")
    return 0


def _token(session, args: argparse.Namespace, actor: str) -> int:
    from services.gateway.use_cases import identity

    issued = identity.issue_token(session, args.username, actor, days=args.days, label=args.label)
    print(
        f"token {issued.id} for {issued.username}, expires {issued.expires_at:%Y-%m-%d %H:%M %Z}"
        " — shown once, keep it secret / hanya ditampilkan sekali, simpan baik-baik:",
        file=sys.stderr,
    )
    print(issued.token)
    return 0


def _tokens(session, args: argparse.Namespace, actor: str) -> int:
    from services.gateway.use_cases import identity

    for token in identity.list_tokens(session, args.username):
        print(
            f"{token['id']}\t{token['state']}\texpires {token['expires_at']}\t"
            f"last used {token['last_used_at'] or '-'}\t{token['label'] or ''}"
        )
    return 0


def _revoke(session, args: argparse.Namespace, actor: str) -> int:
    from services.gateway.use_cases import identity

    token = identity.revoke_token(session, args.token_id, actor)
    print(f"token {token['id']} of {token['username']} revoked at {token['revoked_at']}")
    return 0


USER_ACTIONS: dict[str, Callable[..., int]] = {
    "create": _create,
    "list": _list,
    "update": _update,
    "deactivate": _deactivate,
    "token": _token,
    "tokens": _tokens,
    "revoke": _revoke,
    "password": _password,
    "unlock": _unlock,
    "totp-off": _totp_off,
}


# --- helpers ------------------------------------------------------------------------------------


def _given(args: argparse.Namespace) -> dict[str, Any]:
    """The user fields given on the command line (an option left out is not a change)."""
    options = {
        "name": args.name,
        "kecamatan_codes": args.kecamatan,
        "desa_codes": args.desa,
        "opd_code": args.opd,
        "email": args.email,
        "phone": args.phone,
    }
    return {name: value for name, value in options.items() if value is not None}


def _describe(user: dict[str, Any]) -> str:
    if user["opd_code"]:
        scope = f"agency {user['opd_code']}"
    elif user["kecamatan_codes"] or user["desa_codes"]:
        scope = "area " + " ".join(user["kecamatan_codes"] + user["desa_codes"])
    else:
        scope = "the whole district"
    state = "" if user["active"] else " [inactive]"
    return f"{user['username']} ({user['name']}), {user['role']}, {scope}{state}"


def _default_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "cli"


def _run(work: Callable[[Any], int]) -> int:
    """Run ``work`` in one transaction of the gateway database; refusals become exit 2."""
    import sqlalchemy as sa

    from sipmas import db
    from sipmas.refusals import Invalid, NotFound

    try:
        with db.session_scope("gateway") as session:
            return work(session)
    except Invalid as error:
        print("GAGAL / FAILED:", file=sys.stderr)
        for name, messages in error.errors.items():
            for message in messages if isinstance(messages, list) else [messages]:
                if isinstance(message, dict):  # {"id": ..., "en": ...}
                    message = f"{message.get('en')} / {message.get('id')}"
                print(f"  {FIELD_OPTIONS.get(name, '--' + name)}: {message}", file=sys.stderr)
        return INVALID_EXIT
    except NotFound as error:
        print(f"GAGAL / FAILED: {error}", file=sys.stderr)
        return INVALID_EXIT
    except (sa.exc.OperationalError, sa.exc.ProgrammingError) as error:
        first = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        print(
            f"GAGAL / FAILED: the gateway database is not ready ({first}); "
            "run `sipmas migrate gateway`",
            file=sys.stderr,
        )
        return INVALID_EXIT
