"""Which desa a row means, however the export wrote it."""

import pytest

from services.registry.domain import places


@pytest.mark.parametrize(
    ("kode_kecamatan", "kode_desa", "nama_kecamatan", "nama_desa", "desa"),
    [
        (None, "64.08.04.2001", None, None, "64.08.04.2001"),  # Kemendagri, dotted
        (None, "6408042001", None, None, "64.08.04.2001"),  # Kemendagri, digits only
        ("6404010", "6404010001", None, None, "64.08.01.2001"),  # BPS 2018 codes
        (None, None, "MUARA ANCALONG", "SENYIUR", "64.08.01.2001"),  # names, capitals
        (None, None, "Muara Ancalong", "Desa Kelinjau Ilir", "64.08.01.2002"),  # "Desa" prefix
        (None, None, "KONGBENG", "KONGBENG INDAH", "64.08.08.2006"),  # BPS spelling
        (None, None, None, "BANGUN JAYA", "64.08.10.2009"),  # unique in Kutim: no kecamatan needed
    ],
)
def test_a_desa_is_found_by_code_or_name(
    kode_kecamatan, kode_desa, nama_kecamatan, nama_desa, desa
):
    found = places.resolve(kode_kecamatan, kode_desa, nama_kecamatan, nama_desa)
    assert found.desa_code == desa and found.problem is None


def test_an_unknown_desa_and_a_blank_one_are_told_apart():
    assert places.resolve(None, None, "Xyz", "Atlantis").problem == "desa_unknown"
    assert places.resolve(None, "", None, "").problem == "desa_missing"


def test_a_kecamatan_that_disagrees_with_its_desa_is_a_warning_and_the_desa_wins():
    found = places.resolve(None, "64.08.04.2001", "Muara Ancalong", None)
    assert found.desa_code == "64.08.04.2001" and found.warning == "kecamatan_mismatch"
