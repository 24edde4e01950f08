"""The NIK rule the bulk importer runs in SQL (``domain/row_checks.py``) gives the answers of
``sipmas.nik.errors``, on the real PostgreSQL."""

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.registry.domain import row_checks
from sipmas import nik

NIK_TEXTS = st.one_of(
    st.text(alphabet="0123456789", min_size=14, max_size=17),
    st.builds(lambda d, m: f"640804{d:02d}{m:02d}900003", st.integers(0, 99), st.integers(0, 19)),
    st.text(alphabet="0123456789.E+e ,", min_size=1, max_size=17),
)


@pytest.fixture(scope="module")
def pg():
    from sipmas import db

    engine = sa.create_engine(
        db.settings.with_psycopg2("postgresql://postgres@127.0.0.1:5432/postgres")
    )
    with engine.connect() as conn:
        yield conn
    engine.dispose()


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=NIK_TEXTS)
def test_the_sql_nik_rule_agrees_with_the_python_rule(pg, raw):
    """The importer checks a million NIKs in SQL; this holds it to ``sipmas.nik.errors``."""
    trimmed = raw.strip() or None
    sql = f"SELECT {row_checks.nik_problem(':n')}".replace(":n", "CAST(:n AS text)")
    answer = pg.execute(sa.text(sql), {"n": trimmed}).scalar()
    python = nik.errors(raw)
    assert answer == (python[0] if python else None)
