"""Users, tokens and authentication on the gateway's real database."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from services.gateway.domain.users import Principal
from services.gateway.use_cases import identity
from services.gateway.use_cases.identity import Unauthenticated
from sipmas.refusals import Invalid, NotFound
from tests.gateway.conftest import DESA, KECAMATAN, OTHER_DESA, make_user, rows, token_for


def announced(engine) -> list[dict]:
    """The ``user_registered`` events in the gateway's outbox, oldest first."""
    found = rows(
        engine, "SELECT body FROM outbox WHERE routing_key = 'user_registered' ORDER BY id"
    )
    return [body if isinstance(body, dict) else json.loads(body) for (body,) in found]


def test_a_new_user_is_announced_in_the_same_transaction(gateway, session):
    identity.create_user(
        session,
        {"username": "siti", "role": "verifier", "name": "Siti Aminah", "desa_codes": [DESA]},
        "admin1",
    )
    session.rollback()
    assert rows(gateway, "SELECT username FROM users") == []
    assert announced(gateway) == []

    make_user(
        session, "siti", "verifier", name="Siti Aminah", desa_codes=[DESA], phone="0812 3456 7890"
    )
    [event] = announced(gateway)
    assert event["producer"] == "gateway"
    assert event["data"] == {
        "username": "siti",
        "name": "Siti Aminah",
        "role": "verifier",
        "kecamatan_codes": [],
        "desa_codes": [DESA],
        "opd_code": None,
        "email": None,
        "phone": "+6281234567890",
        "active": True,
    }


def test_a_bad_user_is_refused_naming_the_field_and_nothing_is_written(gateway, session):
    with pytest.raises(Invalid) as caught:
        identity.create_user(
            session, {"username": "op1", "role": "operator", "desa_codes": ["64.08.04.9999"]}, "t"
        )
    assert caught.value.errors == {
        "desa_codes": ["unknown desa code '64.08.04.9999' / kode desa tidak dikenal"]
    }
    make_user(session, "op1", "operator", desa_codes=[DESA])
    with pytest.raises(Invalid) as caught:
        identity.create_user(session, {"username": "op1", "role": "viewer"}, "t")
    assert "exists already" in caught.value.errors["username"][0]
    session.rollback()
    assert len(announced(gateway)) == 1


def test_the_database_holds_the_scope_rules_too(gateway, session):
    make_user(session, "op1", "operator", desa_codes=[DESA])
    with pytest.raises(sa.exc.IntegrityError):
        session.execute(sa.text("UPDATE users SET desa_codes = '{}' WHERE username = 'op1'"))
        session.flush()


def test_an_update_changes_the_fields_given_and_announces_the_whole_user(gateway, session):
    make_user(session, "siti", "verifier", desa_codes=[DESA], email="siti@dinsos.example.id")
    identity.update_user(session, "siti", {"desa_codes": [DESA, OTHER_DESA]}, "admin1")
    session.commit()
    identity.update_user(session, "siti", {"desa_codes": [OTHER_DESA, DESA]}, "admin1")  # same
    session.commit()
    first, second = announced(gateway)
    assert second["data"]["desa_codes"] == [OTHER_DESA, DESA]
    assert second["data"]["email"] == "siti@dinsos.example.id"
    assert second["occurred_at"] > first["occurred_at"]
    user = identity.get_user(session, "siti")
    assert (user["updated_by"], user["created_by"]) == ("admin1", "test")


def test_a_role_change_must_bring_its_scope(gateway, session):
    make_user(session, "siti", "verifier", kecamatan_codes=[KECAMATAN])
    with pytest.raises(Invalid) as caught:
        identity.update_user(session, "siti", {"role": "opd", "opd_code": "dinkes"}, "a")
    assert "no area" in caught.value.errors["kecamatan_codes"][0]
    changes = {"role": "opd", "opd_code": "dinkes", "kecamatan_codes": []}
    user = identity.update_user(session, "siti", changes, "a")
    assert (user["role"], user["opd_code"], user["kecamatan_codes"]) == ("opd", "dinkes", [])


def test_an_unknown_user_or_field_is_refused(gateway, session):
    with pytest.raises(NotFound):
        identity.update_user(session, "ghost", {"name": "x"}, "a")
    make_user(session, "siti", "viewer")
    with pytest.raises(Invalid) as caught:
        identity.update_user(session, "siti", {"username": "other", "created_by": "x"}, "a")
    assert set(caught.value.errors) == {"username", "created_by"}


# --- tokens -------------------------------------------------------------------------------------


def test_a_token_authenticates_as_its_user_with_their_scope(gateway, session):
    make_user(session, "op1", "operator", desa_codes=[DESA])
    token = token_for(session, "op1", label="laptop")
    assert token.startswith("sipmas_") and len(token) >= 40
    principal = identity.authenticate(session, token)
    [(token_id, stored)] = rows(gateway, "SELECT id, sha256 FROM tokens")
    assert principal == Principal("op1", "operator", (), (DESA,), None, token_id)
    assert principal.area_scope() == {"kecamatan_codes": [], "desa_codes": [DESA]}
    dump = " ".join(str(r) for r in rows(gateway, "SELECT * FROM tokens"))
    assert token not in dump and token[7:] not in dump
    assert stored == identity.token_hash(token)


def test_a_token_expires_after_90_days_by_default_or_as_configured(gateway, session, monkeypatch):
    make_user(session, "op1", "operator", desa_codes=[DESA])
    token_for(session, "op1")
    monkeypatch.setenv("SIPMAS_TOKEN_DAYS", "7")
    token_for(session, "op1")
    token_for(session, "op1", days=1)
    lifetimes = rows(
        gateway, "SELECT extract(day FROM expires_at - created_at)::int FROM tokens ORDER BY id"
    )
    assert [days for (days,) in lifetimes] == [90, 7, 1]
    with pytest.raises(Invalid) as caught:
        identity.issue_token(session, "op1", "t", days=0)
    assert "days" in caught.value.errors


@pytest.mark.parametrize("bad", ["", "Bearer x", "sipmas_", "sipmas_" + "x" * 43, "x" * 500])
def test_anything_but_a_live_token_is_unauthenticated(gateway, session, bad):
    with pytest.raises(Unauthenticated):
        identity.authenticate(session, bad)


def test_an_expired_token_no_longer_authenticates(gateway, session):
    make_user(session, "op1", "operator", desa_codes=[DESA])
    token = token_for(session, "op1")
    session.execute(sa.text("UPDATE tokens SET expires_at = now() - interval '1 second'"))
    session.commit()
    with pytest.raises(Unauthenticated) as caught:
        identity.authenticate(session, token)
    assert caught.value.reason == "expired"


def test_a_revoked_token_no_longer_authenticates_and_others_still_do(gateway, session):
    make_user(session, "op1", "operator", desa_codes=[DESA])
    first, second = token_for(session, "op1"), token_for(session, "op1")
    revoked = identity.revoke_token(session, identity.authenticate(session, first).token_id, "a")
    session.commit()
    assert revoked["state"] == "revoked"
    with pytest.raises(Unauthenticated) as caught:
        identity.authenticate(session, first)
    assert caught.value.reason == "revoked"
    assert identity.authenticate(session, second).username == "op1"
    with pytest.raises(NotFound):
        identity.revoke_token(session, 999, "a")


def test_deactivating_a_user_revokes_every_token_and_announces_it(gateway, session):
    make_user(session, "op1", "operator", desa_codes=[DESA])
    token = token_for(session, "op1")
    identity.deactivate_user(session, "op1", "admin1")
    session.commit()
    with pytest.raises(Unauthenticated):
        identity.authenticate(session, token)
    assert [t["state"] for t in identity.list_tokens(session, "op1")] == ["revoked"]
    assert announced(gateway)[-1]["data"]["active"] is False
    with pytest.raises(Invalid):
        identity.issue_token(session, "op1", "t")
    identity.update_user(session, "op1", {"active": True}, "admin1")
    session.commit()
    with pytest.raises(Unauthenticated):  # reactivating does not revive old tokens
        identity.authenticate(session, token)


def test_an_inactive_users_token_is_refused_even_if_not_revoked(gateway, session):
    make_user(session, "op1", "operator", desa_codes=[DESA])
    token = token_for(session, "op1")
    session.execute(sa.text("UPDATE users SET active = false"))
    session.commit()
    with pytest.raises(Unauthenticated) as caught:
        identity.authenticate(session, token)
    assert caught.value.reason == "inactive"


def test_use_is_noted_at_most_once_a_minute(gateway, session):
    make_user(session, "op1", "operator", desa_codes=[DESA])
    token = token_for(session, "op1")
    assert rows(gateway, "SELECT last_used_at FROM tokens") == [(None,)]

    def last_used():
        identity.authenticate(session, token)
        session.commit()
        return rows(gateway, "SELECT last_used_at FROM tokens")[0][0]

    first = last_used()
    assert first is not None
    assert last_used() == first
    session.execute(sa.text("UPDATE tokens SET last_used_at = now() - interval '61 seconds'"))
    session.commit()
    assert last_used() > first
