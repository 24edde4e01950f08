"""``sipmas users ...`` as an administrator runs it: users made, listed, changed, deactivated;
tokens issued once, used, revoked; bad input refused naming the option."""

from __future__ import annotations

import pytest

from services.gateway.use_cases import identity
from services.gateway.use_cases.identity import Unauthenticated
from sipmas import db
from tests.gateway.conftest import DESA, KECAMATAN, OTHER_DESA, rows, sipmas


def ok(*args: str) -> str:
    done = sipmas("users", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def refused(*args: str) -> str:
    done = sipmas("users", *args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    return done.stderr


def authenticate(token: str):
    with db.session_scope("gateway") as session:
        return identity.authenticate(session, token)


def test_a_user_is_created_given_a_token_and_listed(gateway):
    out = ok(
        "--actor", "admin:rina",
        "create", "siti", "--role", "verifier", "--name", "Siti Aminah",
        "--desa", "6408042001", "--kecamatan", KECAMATAN,
        "--email", "siti@dinsos.example.id", "--phone", "0812-3456-7890",
    )  # fmt: skip
    assert out.startswith(f"created siti (Siti Aminah), verifier, area {KECAMATAN} {DESA}")
    [(created_by, phone)] = rows(gateway, "SELECT created_by, phone FROM users")
    assert (created_by, phone) == ("admin:rina", "+6281234567890")

    done = sipmas("users", "token", "siti", "--label", "tablet", "--days", "30")
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    assert "\n" not in token and token.startswith("sipmas_")
    assert "shown once" in done.stderr and token not in done.stderr
    principal = authenticate(token)
    assert (principal.username, principal.role, principal.desa_codes) == (
        "siti",
        "verifier",
        (DESA,),
    )

    listing = ok("list")
    assert "siti (Siti Aminah), verifier" in listing and "1 live token(s)" in listing
    tokens = ok("tokens", "siti")
    assert tokens.startswith(f"{principal.token_id}\tlive\t") and "tablet" in tokens
    assert token not in listing + tokens


def test_revoking_a_token_and_deactivating_a_user_end_access(gateway):
    ok("create", "op1", "--role", "operator", "--desa", DESA)
    first = sipmas("users", "token", "op1").stdout.strip()
    second = sipmas("users", "token", "op1").stdout.strip()

    ok("revoke", str(authenticate(first).token_id))
    with pytest.raises(Unauthenticated):
        authenticate(first)
    assert authenticate(second).username == "op1"

    assert "deactivated op1" in ok("deactivate", "op1")
    with pytest.raises(Unauthenticated):
        authenticate(second)
    assert "[inactive]" in ok("list")
    assert "op1 is inactive" in refused("token", "op1")


def test_an_update_changes_only_what_is_given(gateway):
    ok("create", "siti", "--role", "verifier", "--desa", DESA, "--email", "siti@x.id")
    out = ok("update", "siti", "--desa", DESA, OTHER_DESA, "--name", "Siti A.")
    assert out.startswith(f"updated siti (Siti A.), verifier, area {OTHER_DESA} {DESA}")
    out = ok("update", "siti", "--role", "opd", "--opd", "dinkes", "--no-area", "--email", "")
    assert out.startswith("updated siti (Siti A.), opd, agency dinkes")
    assert rows(gateway, "SELECT email FROM users") == [(None,)]
    out = ok("update", "siti", "--role", "supervisor", "--opd", "")
    assert out.startswith("updated siti (Siti A.), supervisor, the whole district")
    out = ok("update", "siti", "--role", "operator", "--no-area", "--desa", OTHER_DESA)
    assert out.startswith(f"updated siti (Siti A.), operator, area {OTHER_DESA}")
    assert "nothing to change" in refused("update", "siti")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["create", "boss1", "--role", "boss"], ["--role: unknown role 'boss'"]),
        (
            ["create", "op1", "--role", "operator", "--desa", "64.08.04.9999"],
            ["--desa: unknown desa code '64.08.04.9999'"],
        ),
        (["create", "op1", "--role", "operator"], ["--desa: an operator needs at least one desa"]),
        (["create", "app1", "--role", "opd"], ["--opd: an opd user needs an agency code"]),
        (
            ["create", "app1", "--role", "opd", "--opd", "perkim", "--kecamatan", KECAMATAN],
            ["--kecamatan: an opd user has no area"],
        ),
        (
            ["create", "x", "--role", "viewer", "--email", "nope", "--phone", "12"],
            ["USERNAME: 2-64 characters", "--email: not an email", "--phone: not an Indonesian"],
        ),
        (["update", "ghost", "--name", "G"], ["user ghost not found"]),
        (["revoke", "4242"], ["token 4242 not found"]),
        (["token", "ghost"], ["user ghost not found"]),
    ],
)
def test_bad_input_is_refused_naming_the_option(gateway, args, expected):
    ok("create", "known", "--role", "viewer")
    stderr = refused(*args)
    assert stderr.startswith("GAGAL / FAILED")
    for words in expected:
        assert words in stderr, stderr
    assert len(rows(gateway, "SELECT * FROM users")) == 1


def test_a_token_lifetime_out_of_bounds_is_refused(gateway):
    ok("create", "known", "--role", "viewer")
    assert "--days: between 1 and 730" in refused("token", "known", "--days", "0")
    assert rows(gateway, "SELECT * FROM tokens") == []


def test_an_unmigrated_database_is_named_not_a_traceback(gateway):
    done = sipmas(
        "users", "list",
        GATEWAY_DATABASE_URL="postgresql://postgres@127.0.0.1:5432/sipmas_no_such_database",
    )  # fmt: skip
    assert done.returncode == 2
    assert "sipmas migrate gateway" in done.stderr and "Traceback" not in done.stderr
