"""Who may be which user: roles, scopes, codes, contact details; and what a principal covers."""

import pytest

from services.gateway.domain.users import Principal
from services.gateway.use_cases import identity
from sipmas.refusals import Invalid

KEC, DESA, OTHER_DESA = "64.08.04", "64.08.04.2001", "64.08.01.2001"


def clean(**data):
    return identity.clean_user({"username": "budi", **data})


def refusal(**data) -> dict:
    with pytest.raises(Invalid) as caught:
        clean(**data)
    return caught.value.errors


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"role": "admin"}, ((), (), None)),
        ({"role": "supervisor"}, ((), (), None)),
        ({"role": "supervisor", "kecamatan_codes": [KEC]}, ((KEC,), (), None)),
        ({"role": "viewer"}, ((), (), None)),
        ({"role": "verifier", "kecamatan_codes": [KEC]}, ((KEC,), (), None)),
        ({"role": "verifier", "desa_codes": [DESA]}, ((), (DESA,), None)),
        ({"role": "operator", "desa_codes": [DESA, OTHER_DESA]}, ((), (OTHER_DESA, DESA), None)),
        ({"role": "opd", "opd_code": "perkim"}, ((), (), "perkim")),
    ],
)
def test_each_role_with_the_scope_it_may_have(data, expected):
    user = clean(**data)
    assert (tuple(user["kecamatan_codes"]), tuple(user["desa_codes"]), user["opd_code"]) == expected


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"role": "boss"}, "role", "unknown role 'boss'"),
        ({"role": "operator"}, "desa_codes", "an operator needs at least one desa"),
        ({"role": "operator", "kecamatan_codes": [KEC]}, "desa_codes", "at least one desa"),
        ({"role": "verifier"}, "desa_codes", "a verifier needs at least one desa or kecamatan"),
        ({"role": "opd"}, "opd_code", "an opd user needs an agency code"),
        ({"role": "opd", "opd_code": "perkim", "desa_codes": [DESA]}, "desa_codes", "no area"),
        ({"role": "opd", "opd_code": "kemensos"}, "opd_code", "unknown agency code 'kemensos'"),
        ({"role": "viewer", "opd_code": "perkim"}, "opd_code", "only an opd user"),
        ({"role": "admin", "kecamatan_codes": [KEC]}, "kecamatan_codes", "an admin has no area"),
        ({"role": "verifier", "desa_codes": ["64.08.04.9999"]}, "desa_codes", "'64.08.04.9999'"),
        ({"role": "viewer", "kecamatan_codes": ["64.09.01"]}, "kecamatan_codes", "'64.09.01'"),
        ({"role": "viewer", "email": "budi@"}, "email", "not an email address"),
        ({"role": "viewer", "phone": "021-555-1234"}, "phone", "not an Indonesian mobile"),
        ({"role": "viewer", "username": "6408041234560001"}, "username", "not only digits"),
        ({"role": "viewer", "username": "Budi Santoso"}, "username", "lower-case letters"),
    ],
)
def test_bad_input_is_refused_naming_the_field(data, field, words):
    errors = refusal(**data)
    assert field in errors, errors
    assert any(words in message for message in errors[field]), errors[field]


def test_every_bad_field_is_named_at_once():
    errors = refusal(role="opd", opd_code="nope", desa_codes=["1"], email="x", phone="1")
    assert set(errors) == {"opd_code", "desa_codes", "email", "phone"}


def test_codes_are_accepted_undotted_or_comma_separated_and_kept_sorted_once():
    user = clean(role="operator", desa_codes=["6408042001,64.08.01.2001", " 64.08.04.2001 "])
    assert user["desa_codes"] == [OTHER_DESA, DESA]
    assert clean(role="verifier", kecamatan_codes=["640804"])["kecamatan_codes"] == [KEC]


def test_names_roles_and_phones_are_normalised():
    user = identity.clean_user(
        {"username": " Budi.S ", "role": "Viewer", "phone": "0812-3456-7890", "email": " b@x.id "}
    )
    assert (user["username"], user["role"], user["name"]) == ("budi.s", "viewer", "budi.s")
    assert (user["phone"], user["email"]) == ("+6281234567890", "b@x.id")


def test_whole_district_users_have_no_area_scope():
    for role in ("admin", "supervisor", "viewer"):
        assert Principal("u", role).area_scope() is None


def test_an_area_user_is_scoped_to_their_desa_and_kecamatan():
    principal = Principal("u", "verifier", kecamatan_codes=(KEC,), desa_codes=(OTHER_DESA,))
    assert principal.area_scope() == {"kecamatan_codes": [KEC], "desa_codes": [OTHER_DESA]}
    assert principal.in_area(KEC, DESA)
    assert principal.in_area(None, DESA)  # the desa names its kecamatan
    assert principal.in_area("64.08.01", OTHER_DESA)
    assert not principal.in_area("64.08.01", "64.08.01.2002")
    assert not principal.in_area(None, None)


def test_an_agency_user_sees_no_household_by_area():
    principal = Principal("perkim-app", "opd", opd_code="perkim")
    assert principal.area_scope() == {"kecamatan_codes": [], "desa_codes": []}
    assert not principal.in_area(KEC, DESA)


def test_a_token_is_never_stored_only_its_sha256():
    token = "sipmas_" + "a" * 43
    assert identity.token_hash(token) != token
    assert len(identity.token_hash(token)) == 64
