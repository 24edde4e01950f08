"""Scope, as a person in a browser meets it: an operator of one desa asks for every URL that
another desa's household pages load — its record, story, photos (thumbnails and full size),
conflicts, its referral and the agency's evidence — and gets only refusals; an agency cannot
open another agency's referral or its evidence."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.browser.support import (
    DESA_B,
    approved,
    completed_with_evidence,
    heading,
    referral_of,
    registered,
)


def test_an_operator_gets_nothing_of_another_desa(browser, crew):
    tag = uuid.uuid4().hex[:5].upper()
    household_id, head = registered(crew, DESA_B, head=f"SENYIUR {tag}")
    approved(crew, household_id, DESA_B)
    referral = referral_of(crew, household_id)
    evidence = completed_with_evidence(crew, referral["referral_id"])

    # what the household's own operator's pages load
    theirs = browser.as_person("operator_b", f"/households/{household_id}")
    loaded: set[str] = set()
    theirs.on("request", lambda r: loaded.add(r.url) if "/api/v1/" in r.url else None)
    theirs.reload()
    heading(theirs, head)
    photos = theirs.locator("section[aria-labelledby=photos-title] img")
    expect(photos).to_have_count(5)
    theirs.locator("section[aria-labelledby=photos-title] button.photo-button").first.click()
    expect(theirs.locator("dialog[open] img")).to_be_visible()  # the full photo too
    theirs.keyboard.press("Escape")
    expect(theirs.locator("ol.story")).to_contain_text("Kunjungan oleh")
    urls = {u.removeprefix(crew.api.url) for u in loaded}
    assert any("/photos/" in u and "size=thumb" in u for u in urls), urls
    assert any("/photos/" in u and "size=full" in u for u in urls), urls
    assert any(u.endswith("/story") for u in urls), urls
    urls |= {
        f"/api/v1/referrals/{referral['referral_id']}",
        f"/api/v1/referrals/{referral['referral_id']}/evidence/{evidence}",
        f"/api/v1/households/{household_id}/timeline",
    }
    urls = {u for u in urls if not u.startswith("/api/v1/reference") and "/session" not in u}

    # ... every one of them refused to the operator of desa A
    ours = browser.as_person("operator", "/households")
    for url in sorted(urls):
        answer = ours.request.get(url)
        assert answer.status in (403, 404), (url, answer.status, answer.text()[:200])
        assert head not in answer.text()
    ours.goto(f"/households/{household_id}")
    expect(ours.get_by_role("alert")).to_contain_text("Tidak ditemukan")
    expect(ours.get_by_text(head)).to_have_count(0)
    assert not ours.locator("img").count()


def test_an_agency_cannot_open_another_agencys_referral(browser, crew):
    household_id, head = registered(crew)
    approved(crew, household_id)
    referral = referral_of(crew, household_id)  # Perkim's
    evidence = completed_with_evidence(crew, referral["referral_id"])

    dinkes = browser.as_person("opd_b", f"/referrals/{referral['referral_id']}")
    expect(dinkes.get_by_role("alert")).to_contain_text("Tidak ditemukan")
    expect(dinkes.get_by_text(head)).to_have_count(0)
    for url in (
        f"/api/v1/referrals/{referral['referral_id']}",
        f"/api/v1/referrals/{referral['referral_id']}/evidence/{evidence}",
        "/api/v1/referrals?opd_code=perkim",
        f"/api/v1/households/{household_id}",
    ):
        answer = dinkes.request.get(url)
        assert answer.status in (403, 404), (url, answer.status)
    dinkes.goto("/referrals?tab=closed")
    expect(dinkes.locator("main")).not_to_contain_text(head)

    perkim = browser.as_person("opd", f"/referrals/{referral['referral_id']}")
    heading(perkim, f"Rumah, air dan sanitasi — {head}")
    link = perkim.get_by_role("link", name="Buka bukti penyelesaian")
    assert perkim.request.get(link.get_attribute("href")).ok  # its own, yes
