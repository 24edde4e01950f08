"""The verifier's visit questionnaire, aligned with the DTSEN/DTKS household indicators.

Field names are English like the rest of the code; answer values are Indonesian codes as the
questionnaires and exports word them (``tanah``, ``daun_rumbia``, ``pbi_jk``). ``INDICATORS`` ties
every question to its labels and to the DTKS/DTSEN field it mirrors (``reference/fields.md``), so a
registry record and a visit can be compared and a decision explained in the words of the form.

Every question is required: an answer left out must not count as "no car, no gold", which is
exactly what a false claim of poverty ("mengaku miskin") would rely on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from sipmas import reference

VISIT_OUTCOMES = ("found", "moved", "split", "deceased", "not_found")
PHOTO_KINDS = ("rumah", "lantai", "dinding", "atap", "dapur", "sanitasi", "lainnya")
REQUIRED_PHOTO_KINDS = ("rumah", "lantai", "atap", "dapur", "sanitasi")

# --- vocabularies (Regsosek/PBDT answer lists, as codes) -----------------------------------------

FLOORS = (
    "marmer_granit",
    "keramik",
    "parket_vinil",
    "ubin_tegel",
    "kayu_bagus",  # kayu/papan kualitas tinggi
    "semen",  # semen/bata merah
    "kayu_murah",  # kayu/papan kualitas rendah
    "bambu",
    "tanah",
    "lainnya",
)
WALLS = (
    "tembok",
    "plesteran_bambu",  # plesteran anyaman bambu/kawat
    "kayu_bagus",
    "seng",
    "kayu_murah",
    "batang_kayu",
    "anyaman_bambu",
    "bambu",
    "lainnya",
)
ROOFS = ("beton", "genteng", "seng", "asbes", "sirap", "bambu", "daun_rumbia", "lainnya")
CONDITIONS = ("baik", "rusak_ringan", "rusak_berat")
WATER_SOURCES = (
    "air_kemasan",  # kemasan/isi ulang
    "ledeng",  # PDAM/ledeng meteran
    "sumur_bor",  # sumur bor/pompa
    "sumur_terlindung",
    "mata_air_terlindung",
    "air_hujan",
    "sumur_tak_terlindung",
    "mata_air_tak_terlindung",
    "air_sungai_danau",
    "lainnya",
)
SANITATION = ("sendiri", "bersama", "umum", "tidak_ada")
TOILETS = ("leher_angsa", "plengsengan", "cemplung", "tidak_ada")
LIGHTING = ("pln_meteran", "pln_tanpa_meteran", "non_pln", "tanpa_listrik")
COOKING_FUELS = (
    "listrik",
    "gas_elpiji",
    "gas_kota",
    "biogas",
    "minyak_tanah",
    "briket",
    "arang",
    "kayu_bakar",
    "tidak_memasak",
    "lainnya",
)
HEALTH_INSURANCE = ("pbi_jk", "pbi_daerah", "bpjs_pekerja", "bpjs_mandiri", "tidak_ada")
WORK_STATUSES = (
    "tidak_bekerja",
    "buruh_lepas",
    "pekerja_keluarga",  # pekerja keluarga/tidak dibayar
    "berusaha_sendiri",
    "berusaha_dengan_buruh",
    "karyawan",  # buruh/karyawan/pegawai tetap
)
SECTORS = (
    "tidak_ada",
    "pertanian_pangan",
    "perkebunan",
    "peternakan",
    "perikanan",
    "kehutanan",
    "pertambangan",
    "industri",
    "konstruksi",
    "perdagangan",
    "transportasi",
    "jasa",
    "pemerintahan",
    "lainnya",
)
ASSETS = (
    "has_gas_cylinder",
    "has_refrigerator",
    "has_ac",
    "has_water_heater",
    "has_flat_tv",
    "has_gold",
    "has_laptop",
    "has_motorcycle",
    "has_car",
    "has_boat",
    "has_motor_boat",
)
LIVESTOCK = ("cattle", "buffalo", "horses", "pigs", "goats")

MAX_MEMBERS = 30  # a household (rumah tangga) larger than this is a data-entry error
MAX_INCOME = 1_000_000_000  # rupiah per month; beyond it a slip of the keyboard


@dataclass(frozen=True)
class Indicator:
    """One question: its labels, and the DTKS/DTSEN field it mirrors (``fields.md``)."""

    code: str
    label_id: str
    label_en: str
    source_field: str


INDICATORS: tuple[Indicator, ...] = (
    Indicator("member_count", "Jumlah anggota rumah tangga", "Household members", "jumlah_art"),
    Indicator("floor_area_m2", "Luas lantai (m²)", "Floor area (m²)", "luas_lantai"),
    Indicator("floor", "Jenis lantai terluas", "Main floor material", "lantai"),
    Indicator("wall", "Jenis dinding terluas", "Main wall material", "dinding"),
    Indicator("wall_condition", "Kondisi dinding", "Wall condition", "kondisi_dinding"),
    Indicator("roof", "Jenis atap terluas", "Main roof material", "atap"),
    Indicator("roof_condition", "Kondisi atap", "Roof condition", "kondisi_atap"),
    Indicator("water_source", "Sumber air minum", "Drinking water source", "sumber_airminum"),
    Indicator("sanitation", "Fasilitas buang air besar", "Toilet facility", "fasbab"),
    Indicator("toilet", "Jenis kloset", "Toilet type", "kloset"),
    Indicator("lighting", "Sumber penerangan", "Lighting source", "sumber_penerangan"),
    Indicator("power_va", "Daya listrik PLN (VA)", "PLN power (VA)", "daya"),
    Indicator("cooking_fuel", "Bahan bakar memasak", "Cooking fuel", "bb_masak"),
    Indicator("meals_per_day", "Makan per hari", "Meals per day", "kriteria 14 no. 8"),
    Indicator(
        "protein_days_per_week",
        "Hari makan daging/ikan/telur per minggu",
        "Days a week with meat, fish or egg",
        "kriteria 14 no. 9",
    ),
    Indicator(
        "school_age_children",
        "Anak usia sekolah (7-18 th)",
        "School-age children (7-18)",
        "partisipasi_sekolah",
    ),
    Indicator(
        "children_out_of_school",
        "Anak usia sekolah tidak bersekolah",
        "School-age children out of school",
        "partisipasi_sekolah",
    ),
    Indicator(
        "members_chronic_illness",
        "Anggota berpenyakit kronis/menahun",
        "Members with chronic illness",
        "penyakit_menahun",
    ),
    Indicator(
        "members_disability",
        "Anggota penyandang disabilitas",
        "Members with disability",
        "disabilitas",
    ),
    Indicator(
        "health_insurance", "Jaminan kesehatan", "Health insurance", "sta_kis / sta_bpjs_mandiri"
    ),
    Indicator(
        "members_without_insurance",
        "Anggota tanpa jaminan kesehatan",
        "Members without health insurance",
        "sta_kis",
    ),
    Indicator("members_without_nik", "Anggota tanpa NIK", "Members without NIK", "nik"),
    Indicator(
        "members_not_on_kk",
        "Anggota tidak tercantum di KK",
        "Members not on a KK",
        "tercantum_dalam_kk",
    ),
    Indicator(
        "children_without_birth_certificate",
        "Anak tanpa akta kelahiran",
        "Children without birth certificate",
        "kepemilikan akta",
    ),
    Indicator(
        "head_work_status",
        "Status pekerjaan kepala rumah tangga",
        "Head's work status",
        "status_kedudukan_pekerjaan_utama",
    ),
    Indicator(
        "head_sector",
        "Lapangan usaha kepala rumah tangga",
        "Head's work sector",
        "lapangan_usaha_utama",
    ),
    Indicator(
        "household_income",
        "Pendapatan rumah tangga per bulan (Rp)",
        "Household income per month (Rp)",
        "pendapatan (Regsosek)",
    ),
    Indicator("has_gas_cylinder", "Tabung gas ≥5,5 kg", "Gas cylinder ≥5.5 kg", "ada_tabung_gas"),
    Indicator("has_refrigerator", "Lemari es", "Refrigerator", "ada_lemari_es"),
    Indicator("has_ac", "AC", "Air conditioner", "ada_ac"),
    Indicator("has_water_heater", "Pemanas air", "Water heater", "ada_pemanas"),
    Indicator("has_flat_tv", "TV layar datar", "Flat-screen TV", "ada_tv"),
    Indicator("has_gold", "Emas/perhiasan ≥10 g", "Gold or jewellery ≥10 g", "ada_emas"),
    Indicator("has_laptop", "Komputer/laptop", "Computer or laptop", "ada_laptop"),
    Indicator("has_motorcycle", "Sepeda motor", "Motorcycle", "ada_motor"),
    Indicator("has_car", "Mobil", "Car", "ada_mobil"),
    Indicator("has_boat", "Perahu", "Boat", "ada_perahu"),
    Indicator("has_motor_boat", "Perahu motor/kapal", "Motor boat", "ada_perahu_motor"),
    Indicator("cattle", "Jumlah sapi", "Cattle", "jumlah_sapi"),
    Indicator("buffalo", "Jumlah kerbau", "Buffalo", "jumlah_kerbau"),
    Indicator("horses", "Jumlah kuda", "Horses", "jumlah_kuda"),
    Indicator("pigs", "Jumlah babi", "Pigs", "jumlah_babi"),
    Indicator("goats", "Jumlah kambing/domba", "Goats and sheep", "jumlah_kambing"),
    Indicator(
        "land_area_m2", "Luas lahan milik (m²)", "Land owned (m²)", "aset_tak_bergerak + luas_atb"
    ),
    Indicator("other_house", "Rumah di tempat lain", "House elsewhere", "rumah_lain"),
    Indicator("pmks", "Kategori PMKS/PPKS teramati", "PMKS categories observed", "PMKS 26"),
)
INDICATOR_BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}

# Counts of members that cannot exceed the household (each keyed by its own field when wrong).
MEMBER_COUNTS = (
    "school_age_children",
    "members_chronic_illness",
    "members_disability",
    "members_without_insurance",
    "members_without_nik",
    "members_not_on_kk",
    "children_without_birth_certificate",
)


def _choice(codes: tuple[str, ...]) -> fields.String:
    return fields.String(required=True, validate=validate.OneOf(codes))


def _count(maximum: int = MAX_MEMBERS) -> fields.Integer:
    return fields.Integer(required=True, strict=True, validate=validate.Range(0, maximum))


def _flag() -> fields.Boolean:
    return fields.Boolean(required=True)


class Answers(Schema):
    """A found household's answers. Errors are keyed by the field, cross-field ones included."""

    class Meta:
        unknown = RAISE

    member_count = fields.Integer(
        required=True, strict=True, validate=validate.Range(1, MAX_MEMBERS)
    )
    floor_area_m2 = fields.Float(required=True, validate=validate.Range(1, 5000))
    floor = _choice(FLOORS)
    wall = _choice(WALLS)
    wall_condition = _choice(CONDITIONS)
    roof = _choice(ROOFS)
    roof_condition = _choice(CONDITIONS)
    water_source = _choice(WATER_SOURCES)
    sanitation = _choice(SANITATION)
    toilet = _choice(TOILETS)
    lighting = _choice(LIGHTING)
    power_va = fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=validate.Range(450, 200_000)
    )
    cooking_fuel = _choice(COOKING_FUELS)
    meals_per_day = _count(6)
    protein_days_per_week = _count(7)
    school_age_children = _count()
    children_out_of_school = _count()
    members_chronic_illness = _count()
    members_disability = _count()
    health_insurance = _choice(HEALTH_INSURANCE)
    members_without_insurance = _count()
    members_without_nik = _count()
    members_not_on_kk = _count()
    children_without_birth_certificate = _count()
    head_work_status = _choice(WORK_STATUSES)
    head_sector = _choice(SECTORS)
    household_income = fields.Integer(
        required=True, strict=True, validate=validate.Range(0, MAX_INCOME)
    )
    has_gas_cylinder = _flag()
    has_refrigerator = _flag()
    has_ac = _flag()
    has_water_heater = _flag()
    has_flat_tv = _flag()
    has_gold = _flag()
    has_laptop = _flag()
    has_motorcycle = _flag()
    has_car = _flag()
    has_boat = _flag()
    has_motor_boat = _flag()
    cattle = _count(10_000)
    buffalo = _count(10_000)
    horses = _count(10_000)
    pigs = _count(10_000)
    goats = _count(10_000)
    land_area_m2 = fields.Float(required=True, validate=validate.Range(0, 100_000_000))
    other_house = _flag()
    pmks = fields.List(
        fields.String(validate=validate.OneOf(sorted(reference.pmks_codes()))), required=True
    )

    @validates_schema(skip_on_field_errors=True)
    def _consistent(self, data: dict[str, Any], **_kwargs: Any) -> None:
        errors = consistency_errors(data)
        if errors:
            raise ValidationError(errors)


def consistency_errors(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """Impossible combinations, keyed by the field to correct (bilingual messages)."""
    errors: dict[str, list[str]] = {}

    def add(field: str, en: str, id_: str) -> None:
        errors.setdefault(field, []).append(f"{en} / {id_}")

    members = data["member_count"]
    for field in MEMBER_COUNTS:
        if data[field] > members:
            add(field, f"more than the {members} members", f"melebihi {members} anggota")
    if data["children_out_of_school"] > data["school_age_children"]:
        add(
            "children_out_of_school",
            "more than the school-age children",
            "melebihi jumlah anak usia sekolah",
        )
    if (data["lighting"] == "pln_meteran") != (data["power_va"] is not None):
        add("power_va", "given exactly for metered PLN", "diisi hanya untuk PLN meteran")
    if (data["sanitation"] == "tidak_ada") != (data["toilet"] == "tidak_ada"):
        add(
            "toilet", "no toilet exactly when no facility", "tidak ada kloset = tidak ada fasilitas"
        )
    if (data["head_work_status"] == "tidak_bekerja") != (data["head_sector"] == "tidak_ada"):
        add("head_sector", "a sector exactly when working", "lapangan usaha hanya bila bekerja")
    if data["cooking_fuel"] == "listrik" and data["lighting"] == "tanpa_listrik":
        add("cooking_fuel", "electric cooking without electricity", "memasak listrik tanpa listrik")
    _insurance_errors(data, add)
    if len(set(data["pmks"])) != len(data["pmks"]):
        add("pmks", "a category given twice", "kategori diisi dua kali")
    return errors


def _insurance_errors(data: Mapping[str, Any], add: Callable[[str, str, str], None]) -> None:
    """``tidak_ada`` means nobody is insured; any scheme means somebody is."""
    uninsured, members = data["members_without_insurance"], data["member_count"]
    if data["health_insurance"] == "tidak_ada" and uninsured != members:
        add("members_without_insurance", "must be every member", "harus semua anggota")
    if data["health_insurance"] != "tidak_ada" and uninsured >= members:
        add("members_without_insurance", "somebody is insured", "ada anggota yang tertanggung")


def sample_answers(**overrides: Any) -> dict[str, Any]:
    """A complete, valid set of answers of a modest household that is not poor, as the app sends
    them; for documentation, form previews and tests (``overrides`` replace single answers)."""
    answers: dict[str, Any] = {
        "member_count": 4,
        "floor_area_m2": 48.0,
        "floor": "keramik",
        "wall": "tembok",
        "wall_condition": "baik",
        "roof": "seng",
        "roof_condition": "baik",
        "water_source": "ledeng",
        "sanitation": "sendiri",
        "toilet": "leher_angsa",
        "lighting": "pln_meteran",
        "power_va": 1300,
        "cooking_fuel": "gas_elpiji",
        "meals_per_day": 3,
        "protein_days_per_week": 4,
        "school_age_children": 2,
        "children_out_of_school": 0,
        "members_chronic_illness": 0,
        "members_disability": 0,
        "health_insurance": "bpjs_pekerja",
        "members_without_insurance": 0,
        "members_without_nik": 0,
        "members_not_on_kk": 0,
        "children_without_birth_certificate": 0,
        "head_work_status": "karyawan",
        "head_sector": "perdagangan",
        "household_income": 6_000_000,
        **{asset: False for asset in ASSETS},
        "has_gas_cylinder": True,
        "has_motorcycle": True,
        **{animal: 0 for animal in LIVESTOCK},
        "land_area_m2": 0.0,
        "other_house": False,
        "pmks": [],
    }
    answers.update(overrides)
    return answers


# --- the form, as the field app draws it ---------------------------------------------------------

OUTCOME_LABELS: dict[str, tuple[str, str]] = {
    "found": ("Ditemukan di alamat", "Found at the address"),
    "moved": ("Pindah alamat", "Moved away"),
    "split": ("Pisah KK / keluarga terpecah", "The family split"),
    "deceased": ("Meninggal (seluruh rumah tangga)", "Deceased (the whole household)"),
    "not_found": ("Tidak ditemukan", "Not found"),
}
PHOTO_LABELS: dict[str, tuple[str, str]] = {
    "rumah": ("Rumah tampak depan", "The house from the front"),
    "lantai": ("Lantai", "Floor"),
    "dinding": ("Dinding", "Wall"),
    "atap": ("Atap", "Roof"),
    "dapur": ("Dapur", "Kitchen"),
    "sanitasi": ("Kamar mandi / WC", "Toilet"),
    "lainnya": ("Lainnya", "Other"),
}
# What a supervisor most often refuses a claim for (they may write their own).
REJECT_REASONS: tuple[tuple[str, str], ...] = (
    ("Aset tidak sesuai klaim miskin", "Assets contradict the claim of poverty"),
    ("Kondisi rumah tidak sesuai klaim", "The house does not match the claim"),
    ("Rumah tangga tidak ditemukan di alamat", "The household is not at the address"),
    ("Data anggota tidak sesuai KK", "The members do not match the family card"),
)


def form() -> dict[str, Any]:
    """The questionnaire as a form: each question with its labels, kind, choices and bounds,
    read from :class:`Answers` (one source: what the form asks is what a visit is checked
    against); the outcomes, photo kinds and common reasons to refuse a claim, labelled."""
    schema = Answers()
    return {
        "fields": [_question(indicator, schema.fields[indicator.code]) for indicator in INDICATORS],
        "outcomes": [_labelled(code, OUTCOME_LABELS[code]) for code in VISIT_OUTCOMES],
        "photo_kinds": [
            {**_labelled(kind, PHOTO_LABELS[kind]), "required": kind in REQUIRED_PHOTO_KINDS}
            for kind in PHOTO_KINDS
        ],
        "reject_reasons": [{"id": id_, "en": en} for id_, en in REJECT_REASONS],
    }


def _question(indicator: Indicator, field: fields.Field) -> dict[str, Any]:
    question: dict[str, Any] = {
        "name": indicator.code,
        "label_id": indicator.label_id,
        "label_en": indicator.label_en,
        "type": _kind(field),
        "required": field.required,
        "choices": [],
    }
    one_of = _validator(field, validate.OneOf) or _validator(
        getattr(field, "inner", None), validate.OneOf
    )
    if one_of is not None:
        question["choices"] = [_labelled(code, _words(code)) for code in one_of.choices]
    bounds = _validator(field, validate.Range)
    if bounds is not None:
        question["min"], question["max"] = bounds.min, bounds.max
    return question


def _kind(field: fields.Field) -> str:
    if isinstance(field, fields.List):
        return "multi"
    if isinstance(field, fields.Boolean):
        return "bool"
    if isinstance(field, fields.Integer):
        return "int"
    if isinstance(field, fields.Float):
        return "number"
    return "choice" if _validator(field, validate.OneOf) else "text"


def _validator(field: fields.Field | None, kind: type) -> Any:
    for validator in getattr(field, "validators", ()) or ():
        if isinstance(validator, kind):
            return validator
    return None


def _labelled(code: str, labels: tuple[str, str]) -> dict[str, str]:
    return {"code": code, "label_id": labels[0], "label_en": labels[1]}


def _words(code: str) -> tuple[str, str]:
    """A code as words, when the form has no label of its own for it (``daun_rumbia`` → "Daun
    rumbia"); a PMKS code by its name."""
    pmks = {p.code: (p.name, p.english) for p in reference.pmks()}
    if code in pmks:
        return pmks[code]
    words = code.replace("_", " ").capitalize()
    return words, words
