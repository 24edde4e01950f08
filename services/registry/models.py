"""The registry's own database: households, people, their provenance, imports and timeline.

NIK and No. KK are stored as ``bigint`` (16 digits never start with 0: province codes are 11-97):
half the size of text and much faster to index and join, which the bulk import needs.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Kecamatan(Base):
    __tablename__ = "kecamatan"
    code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text)
    bps_code: Mapped[str | None] = mapped_column(sa.Text)


class Desa(Base):
    __tablename__ = "desa"
    code: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    kecamatan_code: Mapped[str] = mapped_column(sa.Text, sa.ForeignKey("kecamatan.code"))
    name: Mapped[str] = mapped_column(sa.Text)
    jenis: Mapped[str] = mapped_column(sa.Text)
    bps_code: Mapped[str | None] = mapped_column(sa.Text)
    kodepos: Mapped[str | None] = mapped_column(sa.Text)


class ImportBatch(Base):
    __tablename__ = "import_batches"
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.Text)
    filename: Mapped[str] = mapped_column(sa.Text)
    file_sha256: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.Text)  # running | completed | duplicate | failed
    actor: Mapped[str] = mapped_column(sa.Text)
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    duplicate_of: Mapped[int | None] = mapped_column(sa.Integer)
    rows_read: Mapped[int] = mapped_column(sa.Integer, default=0)
    imported: Mapped[int] = mapped_column(sa.Integer, default=0)
    merged: Mapped[int] = mapped_column(sa.Integer, default=0)
    unchanged: Mapped[int] = mapped_column(sa.Integer, default=0)
    rejected: Mapped[int] = mapped_column(sa.Integer, default=0)
    households_registered: Mapped[int] = mapped_column(sa.Integer, default=0)
    households_merged: Mapped[int] = mapped_column(sa.Integer, default=0)
    file_warnings: Mapped[list] = mapped_column(JSONB, default=list)
    error: Mapped[str | None] = mapped_column(sa.Text)


class ImportRun(Base):
    """An import running in the background, as people follow it (its own commits, beside the
    import's one transaction): ``id`` is the id its batch gets."""

    __tablename__ = "import_runs"
    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    source: Mapped[str] = mapped_column(sa.Text)
    filename: Mapped[str] = mapped_column(sa.Text)
    actor: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.Text, default="running")  # completed duplicate failed
    stage: Mapped[str] = mapped_column(sa.Text, default="queued")
    rows_done: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    rows_total: Mapped[int | None] = mapped_column(sa.BigInteger)
    batch_id: Mapped[int | None] = mapped_column(sa.Integer)
    error_id: Mapped[str | None] = mapped_column(sa.Text)
    error_en: Mapped[str | None] = mapped_column(sa.Text)
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class ImportProblem(Base):
    """One problem of one row: the row report. ``value`` is masked where it is a NIK."""

    __tablename__ = "import_problems"
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    batch_id: Mapped[int] = mapped_column(sa.Integer, index=True)
    row_no: Mapped[int] = mapped_column(sa.Integer)
    column_name: Mapped[str | None] = mapped_column(sa.Text)
    code: Mapped[str] = mapped_column(sa.Text)
    severity: Mapped[str] = mapped_column(sa.Text)  # error | warning
    value: Mapped[str | None] = mapped_column(sa.Text)
    detail: Mapped[str | None] = mapped_column(sa.Text)


class Household(Base):
    __tablename__ = "households"
    __table_args__ = (  # the search: in id order within an area; a desa + status page (0003)
        sa.Index("households_walk", "id", postgresql_include=["desa_code", "kecamatan_code"]),
        sa.Index("households_place", "desa_code", "status", "id"),
        sa.Index("households_no_kk_id", "no_kk", "id"),  # an import's match by No. KK (0004)
    )
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    correlation_id: Mapped[str] = mapped_column(
        UUID(as_uuid=False), server_default=sa.text("gen_random_uuid()")
    )
    no_kk: Mapped[int | None] = mapped_column(sa.BigInteger)
    head_nik: Mapped[int | None] = mapped_column(sa.BigInteger)
    kecamatan_code: Mapped[str | None] = mapped_column(sa.Text)
    desa_code: Mapped[str | None] = mapped_column(sa.Text)
    alamat: Mapped[str | None] = mapped_column(sa.Text)
    rt: Mapped[str | None] = mapped_column(sa.Text)
    rw: Mapped[str | None] = mapped_column(sa.Text)
    dusun: Mapped[str | None] = mapped_column(sa.Text)
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    desil: Mapped[int | None] = mapped_column(sa.SmallInteger)
    indicators: Mapped[dict] = mapped_column(JSONB, default=dict)
    sources: Mapped[list[str]] = mapped_column(ARRAY(sa.Text))
    status: Mapped[str] = mapped_column(sa.Text, server_default="registered")
    # the latest verification verdict: its class (none for a rejected claim) and its time
    welfare_class: Mapped[str | None] = mapped_column(sa.Text)
    verified_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    batch_id: Mapped[int | None] = mapped_column(sa.Integer)
    row_no: Mapped[int | None] = mapped_column(sa.Integer)
    provenance: Mapped[dict] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(  # first seen: reports count it from here
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (  # the people who carry the names a search matched (0005)
        sa.Index("people_nama", "nama", postgresql_include=["household_id"]),
        sa.Index("people_household", "household_id", postgresql_include=["nama"]),
    )
    nik: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    household_id: Mapped[int] = mapped_column(sa.BigInteger)
    nama: Mapped[str] = mapped_column(sa.Text)
    jenis_kelamin: Mapped[str | None] = mapped_column(sa.CHAR(1))
    tanggal_lahir: Mapped[date | None] = mapped_column(sa.Date)
    hubungan: Mapped[str | None] = mapped_column(sa.Text)
    status_kawin: Mapped[str | None] = mapped_column(sa.Text)
    attributes: Mapped[dict] = mapped_column(JSONB, default=dict)
    pmks: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), default=list)
    no_kk: Mapped[int | None] = mapped_column(sa.BigInteger)
    kk_since: Mapped[date | None] = mapped_column(sa.Date)
    batch_id: Mapped[int | None] = mapped_column(sa.Integer)
    row_no: Mapped[int | None] = mapped_column(sa.Integer)
    provenance: Mapped[dict] = mapped_column(JSONB, default=dict)
    created_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now()
    )


class PersonName(Base):
    """Every name a person in the registry carries, once: the search by name compares a fragment
    with these (a few thousand rows) instead of with a million people. Kept by triggers on
    ``people`` (0005); a name nobody carries any more stays and matches nobody."""

    __tablename__ = "person_names"
    __table_args__ = (
        sa.Index(
            "person_names_trgm",
            "nama",
            postgresql_using="gin",
            postgresql_ops={"nama": "gin_trgm_ops"},
        ),
    )
    nama: Mapped[str] = mapped_column(sa.Text, primary_key=True)


class KkMembership(Base):
    """Past No. KK memberships (the current one is on ``people``): dated history."""

    __tablename__ = "kk_history"
    __table_args__ = (sa.Index("kk_history_no_kk", "no_kk"),)  # the search by a past No. KK
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    nik: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    no_kk: Mapped[int | None] = mapped_column(sa.BigInteger)
    household_id: Mapped[int] = mapped_column(sa.BigInteger)
    valid_from: Mapped[date | None] = mapped_column(sa.Date)
    valid_to: Mapped[date] = mapped_column(sa.Date)
    batch_id: Mapped[int | None] = mapped_column(sa.Integer)


class Conflict(Base):
    """Two sources disagree on one value: kept for a person to resolve."""

    __tablename__ = "conflicts"
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    household_id: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    nik: Mapped[int | None] = mapped_column(sa.BigInteger)
    field: Mapped[str] = mapped_column(sa.Text)
    kept_value: Mapped[str | None] = mapped_column(sa.Text)
    kept_batch: Mapped[int | None] = mapped_column(sa.Integer)
    kept_row: Mapped[int | None] = mapped_column(sa.Integer)
    other_value: Mapped[str | None] = mapped_column(sa.Text)
    other_batch: Mapped[int | None] = mapped_column(sa.Integer)
    other_row: Mapped[int | None] = mapped_column(sa.Integer)
    status: Mapped[str] = mapped_column(sa.Text, server_default="open")
    resolved_value: Mapped[str | None] = mapped_column(sa.Text)
    resolved_by: Mapped[str | None] = mapped_column(sa.Text)
    resolved_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class StatusTransition(Base):
    """The household's timeline: every lifecycle move with who, why, when and what caused it;
    a verification verdict also with the welfare class it found (the class history)."""

    __tablename__ = "status_transitions"
    id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    household_id: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    from_status: Mapped[str] = mapped_column(sa.Text)
    to_status: Mapped[str] = mapped_column(sa.Text)
    action: Mapped[str] = mapped_column(sa.Text)
    reason: Mapped[str | None] = mapped_column(sa.Text)
    actor: Mapped[str] = mapped_column(sa.Text)
    cause_event_id: Mapped[str | None] = mapped_column(UUID(as_uuid=False))
    welfare_class: Mapped[str | None] = mapped_column(sa.Text)  # a verdict's class
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
