"""A visit in, on the real database and evidence store: decided by the rules, stored once however
often it is sent, refused with the field named when wrong, and flagged by each automatic check
that should flag it — and by none when nothing is wrong."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from marshmallow import ValidationError

from services.verification.domain.questionnaire import sample_answers
from services.verification.errors import Invalid, Refused
from services.verification.models import Visit
from services.verification.use_cases import tasks, visits
from sipmas import evidence
from tests.verification.conftest import (
    DESA_CODE,
    PNG,
    add_staff,
    load,
    poor_answers,
    register_household,
    visit_payload,
)


@pytest.fixture
def task(session):
    add_staff(session, "ani", desa=[DESA_CODE])
    return register_household(session, 1)


def _submit(session, payload):
    return visits.submit(session, load(payload))


def _outbox_types(session) -> list[str]:
    return list(session.scalars(sa.text("SELECT routing_key FROM outbox ORDER BY id")))


def _flags(result) -> set[str]:
    return {flag["code"] for flag in result["flags"]}


def test_a_clean_visit_is_decided_explained_and_raises_no_flag(session, task):
    result = _submit(session, visit_payload(task.id, "ani", poor_answers()))

    assert result["welfare_class"] == "sangat_miskin"
    assert result["flags"] == []
    needs = {need["code"]: need["reasons"] for need in result["decision"]["needs"]}
    assert {"rumah", "pangan", "pendidikan", "kesehatan", "adminduk"} <= set(needs)
    assert "lantai_tanah" in needs["rumah"]
    assert task.state == "submitted"
    assert _outbox_types(session)[-1] == "verification_submitted"


def test_the_same_visit_sent_twice_is_stored_once(session, task):
    payload = visit_payload(task.id, "ani", poor_answers())

    first = _submit(session, payload)
    again = _submit(session, payload)

    assert (first["duplicate"], again["duplicate"]) == (False, True)
    assert again["visit_id"] == first["visit_id"]
    assert session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 1
    assert _outbox_types(session).count("verification_submitted") == 1


def test_a_visit_by_a_verifier_who_never_held_the_task_is_refused(session, task):
    add_staff(session, "budi", desa=[DESA_CODE])

    with pytest.raises(Refused) as refused:
        _submit(session, visit_payload(task.id, "budi", poor_answers()))

    assert refused.value.code == "not_your_task"
    assert task.state == "assigned"


def test_out_of_range_answers_are_refused_naming_the_field():
    with pytest.raises(ValidationError) as error:
        load(visit_payload(1, "ani", poor_answers(meals_per_day=9, floor="emas")))

    assert set(error.value.messages["answers"]) == {"meals_per_day", "floor"}


def test_a_photo_that_is_not_an_image_is_refused_naming_it(session, task):
    payload = visit_payload(task.id, "ani", poor_answers())
    payload["photos"][2]["sha256"] = evidence.put(b"%PDF-1.4 not a photo")
    payload["photos"][3]["sha256"] = evidence.put(b"GIF89a neither")

    with pytest.raises(Invalid) as error:
        _submit(session, payload)

    assert set(error.value.errors) == {"photos.2.sha256", "photos.3.sha256"}
    assert "not an image" in error.value.errors["photos.2.sha256"][0]
    assert session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0


def test_a_visit_naming_photos_not_uploaded_yet_is_refused_naming_them(session, task):
    payload = visit_payload(task.id, "ani", poor_answers())
    payload["photos"][3]["sha256"] = "0" * 64  # the phone has not sent it yet

    with pytest.raises(Refused) as refused:
        _submit(session, payload)

    assert refused.value.code == "photos_missing"
    assert refused.value.fields == {"photos": ["0" * 64]}
    assert session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0
    assert task.state == "assigned"  # nothing moved: the visit comes again with its photos


def test_a_png_photo_is_an_image_too(session, task):
    payload = visit_payload(task.id, "ani", poor_answers())
    payload["photos"][0]["sha256"] = evidence.put(PNG + b"rumah")

    assert _submit(session, payload)["flags"] == []


def test_a_household_that_moved_is_recorded_as_such_without_answers(session, task):
    result = _submit(session, visit_payload(task.id, "ani", None, outcome="moved"))

    assert (result["outcome"], result["welfare_class"], result["decision"]) == ("moved", None, None)


# --- each flag: raised by the case that should raise it (the clean case above raises none) -----


def test_a_car_in_a_household_decided_very_poor_is_flagged(session, task):
    result = _submit(session, visit_payload(task.id, "ani", poor_answers(has_car=True)))

    assert "asset_contradiction" in _flags(result)
    assert _outbox_types(session)[-1] == "verification_flagged"


def test_a_poor_verdict_on_a_dtsen_desil_9_household_is_flagged(session):
    add_staff(session, "ani", desa=[DESA_CODE])
    task = register_household(session, 2, source="dtks", desil=9)

    result = _submit(session, visit_payload(task.id, "ani", poor_answers()))

    assert "registry_contradiction" in _flags(result)


def test_a_photo_used_for_another_household_is_flagged(session, task):
    first = visit_payload(task.id, "ani", poor_answers())
    _submit(session, first)
    other = register_household(session, 3)
    second = visit_payload(other.id, "ani", poor_answers())
    second["photos"][0] = first["photos"][0]

    assert "photo_reused" in _flags(_submit(session, second))


def test_a_visit_far_from_the_household_or_outside_kutim_is_flagged(session):
    add_staff(session, "ani", desa=[DESA_CODE])
    near = register_household(session, 4, latitude=0.49, longitude=117.57)  # the visits' place
    far = register_household(session, 5, latitude=0.89, longitude=117.57)  # ~44 km north
    abroad = register_household(session, 6)

    assert _flags(_submit(session, visit_payload(near.id, "ani", poor_answers()))) == set()
    assert "far_from_household" in _flags(
        _submit(session, visit_payload(far.id, "ani", poor_answers()))
    )
    samarinda = visit_payload(abroad.id, "ani", poor_answers(), latitude=-0.5, longitude=117.15)
    # Samarinda is inside the approximate box; Balikpapan (-1.27, 116.83) too; Jakarta is not.
    jakarta = {**samarinda, "latitude": -6.2, "longitude": 106.8}
    assert "outside_kutim" in _flags(_submit(session, jakarta))


def test_an_implausibly_short_visit_is_flagged(session, task):
    start = datetime.now(UTC) - timedelta(minutes=30)
    payload = visit_payload(
        task.id,
        "ani",
        poor_answers(),
        started_at=start.isoformat(),
        ended_at=(start + timedelta(minutes=4)).isoformat(),
    )
    for photo in payload["photos"]:
        photo["captured_at"] = (start + timedelta(minutes=2)).isoformat()

    assert _flags(_submit(session, payload)) == {"visit_too_short"}


def test_a_verifier_whose_verdicts_stand_far_from_their_peers_is_flagged(session):
    for verifier in ("ani", "budi", "citra", "dewi"):
        add_staff(session, verifier, desa=[DESA_CODE])
    shares = {"ani": 1.0, "budi": 0.4, "citra": 0.4, "dewi": 0.4}  # share found eligible
    household_id = 10_000
    for verifier, share in shares.items():
        for i in range(30):
            household_id += 1
            answers = poor_answers() if i < share * 30 else sample_answers()
            _submit(
                session,
                visit_payload(_task_for(session, household_id, verifier), verifier, answers),
            )

    ani = _submit(session, visit_payload(_task_for(session, 1, "ani"), "ani", poor_answers()))
    budi = _submit(session, visit_payload(_task_for(session, 2, "budi"), "budi", poor_answers()))

    assert "verifier_outlier" in _flags(ani)
    assert "verifier_outlier" not in _flags(budi)


def _task_for(session, household_id: int, verifier: str) -> int:
    """A new household's task, placed on ``verifier``'s desk."""
    task = register_household(session, household_id)
    if task.assignee != verifier:
        tasks.assign(session, task.id, verifier, "supervisor-1")
    return task.id


# --- the field app: visits that arrive after a day offline ----------------------------------


def _task_detail(session, task_id):
    from services.verification.use_cases import history

    return history.task_detail(session, task_id)


def test_a_visit_for_a_task_reassigned_while_the_phone_was_offline_is_kept_late(session, task):
    add_staff(session, "budi", desa=[DESA_CODE])
    add_staff(session, "sri", role="supervisor", kecamatan=["64.08.04"])
    tasks.assign(session, task.id, "budi", "sri")
    sent_before = _outbox_types(session).count("verification_submitted")

    late = _submit(session, visit_payload(task.id, "ani", poor_answers()))
    budi = _submit(session, visit_payload(task.id, "budi", poor_answers()))

    assert (late["status"], late["late_reason"]) == ("late", "reassigned")
    assert "dialihkan" in late["late_message"]["id"]
    assert budi["status"] == "recorded" and task.state == "submitted"
    assert _outbox_types(session).count("verification_submitted") == sent_before + 1  # budi's
    assert visits.latest_visit(session, task.id).verifier == "budi"  # decided on budi's
    shown = {v["verifier"]: v for v in _task_detail(session, task.id)["visits"]}
    assert (shown["ani"]["late"], shown["budi"]["late"]) == (True, False)
    assert _task_detail(session, task.id)["late_visits"] == 1


def test_a_late_visit_sent_again_is_still_one_visit(session, task):
    tasks.move(session, task, "cancel", "sri")
    payload = visit_payload(task.id, "ani", poor_answers())

    first, again = _submit(session, payload), _submit(session, payload)

    assert (first["late_reason"], again["late_reason"]) == ("cancelled", "cancelled")
    assert (first["duplicate"], again["duplicate"]) == (False, True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 1
    assert task.state == "cancelled"


def test_the_phone_clock_days_off_and_a_nik_that_is_no_members_are_flagged(session, task):
    ahead = datetime.now(UTC) + timedelta(days=2)
    payload = visit_payload(
        task.id, "ani", poor_answers(), device_clock=ahead.isoformat(), nik_check="mismatch"
    )

    result = _submit(session, payload)

    assert {"clock_off", "nik_mismatch"} <= _flags(result)
    assert result["clock_offset_seconds"] == pytest.approx(2 * 86_400, abs=60)
    assert result["nik_check"] == "mismatch"


def test_a_photo_whose_exif_says_another_day_is_flagged(session, task):
    payload = visit_payload(task.id, "ani", poor_answers())
    payload["photos"][0]["exif_time"] = (datetime.now(UTC) - timedelta(days=3)).isoformat()

    result = _submit(session, payload)

    assert {"photo_exif_mismatch", "photo_times_apart"} <= _flags(result)
    shown = _task_detail(session, task.id)["visits"][0]["photo_details"]
    assert sum(p["exif_time"] is not None for p in shown) == 1


def test_without_the_households_gps_its_desa_boundary_judges_the_distance(session):
    add_staff(session, "ani", desa=[DESA_CODE])
    centre = (0.48607, 117.57368)  # the Sangatta Utara desa's centroid, its reach 6.8 km
    inside = register_household(session, 21)
    outside = register_household(session, 22)
    at_centre = {"latitude": centre[0], "longitude": centre[1]}
    fifty_km = {"latitude": centre[0] + 0.45, "longitude": centre[1]}

    near = _submit(session, visit_payload(inside.id, "ani", poor_answers(), **at_centre))
    far = _submit(session, visit_payload(outside.id, "ani", poor_answers(), **fifty_km))

    assert "far_from_household" not in _flags(near)
    assert "far_from_household" in _flags(far)
