"""Shortlists: the ranking job, stored rows, the API, permissions, exposure and weights."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from market import clock
from market.audit.models import AuditEvent
from market.shortlists import engine
from market.shortlists.models import ExposureLedger, Shortlist, ShortlistEntry
from market.shortlists.services import fit_reasons
from market.vendors.models import Vendor
from matching.types import DEFAULT_SETTINGS
from tests import factories
from tests import factories_shortlists as fs
from tests import factories_tasks as ft


@pytest.fixture(autouse=True)
def fresh_index() -> Iterator[None]:
    # Every test has its own rolled-back database: never rank with another test's vendors.
    engine.forget()
    yield
    engine.forget()


async def published(client, run_jobs):
    vendors = await fs.pool()
    user, solution = await ft.coordinator_of()
    task = await ft.task(user, solution, publish=True)
    await run_jobs()
    return user, solution, task, vendors


async def test_the_job_stores_a_ranking_whose_contributions_add_up(client, run_jobs):
    _user, _solution, task, vendors = await published(client, run_jobs)
    shortlist = await Shortlist.get(task_id=task.id)
    assert shortlist.status == "ready" and shortlist.computed_at is not None
    assert shortlist.model_version.startswith("linear-")
    assert shortlist.settings["model_version"] == shortlist.model_version
    assert shortlist.settings["fairness_strength"] == DEFAULT_SETTINGS.fairness_strength
    assert shortlist.settings["fair_share"] == DEFAULT_SETTINGS.fair_share
    assert set(shortlist.settings["weights"]) >= {"required_codes", "text_profile_word"}
    entries = list(await ShortlistEntry.filter(shortlist=shortlist).order_by("rank"))
    assert [e.rank for e in entries] == list(range(1, len(entries) + 1))
    assert entries[0].vendor_id == vendors["best"].id
    for entry in entries:
        assert math.isclose(sum(entry.contributions.values()), entry.score, abs_tol=1e-9)
    assert ["72000000", "72000000", 1.0] in entries[0].matched_codes


async def test_ineligible_vendors_come_last_with_their_reasons(client, run_jobs):
    _user, _solution, task, vendors = await published(client, run_jobs)
    entries = list(await ShortlistEntry.filter(shortlist__task_id=task.id).order_by("rank"))
    eligible = [e.eligible for e in entries]
    assert eligible == sorted(eligible, reverse=True), "eligible vendors first"
    by_vendor = {e.vendor_id: e for e in entries}
    for key in ("unsigned", "busy", "suspended"):
        entry = by_vendor[vendors[key].id]
        assert not entry.eligible and entry.reasons, key
    assert "Klage" in " ".join(by_vendor[vendors["suspended"].id].reasons)
    assert "no capacity before the delivery date" in by_vendor[vendors["busy"].id].reasons
    assert by_vendor[vendors["best"].id].eligible and not by_vendor[vendors["best"].id].reasons


async def test_computing_twice_keeps_the_latest_ranking_only(client, run_jobs):
    from market.shortlists.jobs import compute_shortlist

    _user, _solution, task, _vendors = await published(client, run_jobs)
    first = await ShortlistEntry.filter(shortlist__task_id=task.id).count()
    await compute_shortlist({}, task.id)
    shortlist = await Shortlist.get(task_id=task.id)
    assert shortlist.runs == 2
    assert await ShortlistEntry.filter(shortlist=shortlist).count() == first


async def test_api_answers_the_shape_of_api_md(client, run_jobs):
    user, _solution, task, vendors = await published(client, run_jobs)
    response = await client.get(
        f"/api/v1/tasks/{task.id}/shortlist", headers=await factories.bearer(client, user)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["computed_at"] and body["model_version"].startswith("linear-")
    first = body["entries"][0]
    assert set(first) >= {"rank", "vendor", "score", "eligible", "reasons", "contributions"}
    assert first["vendor"] == {
        "id": vendors["best"].id,
        "name": "Python Partner ApS",
        "size_class": "micro",
    }
    assert first["rank"] == 1 and first["eligible"] is True and first["reasons"] == []
    assert math.isclose(sum(first["contributions"].values()), first["score"], abs_tol=1e-9)


async def test_before_the_job_ran_the_api_answers_an_empty_shortlist(client, run_jobs):
    from market import clock
    from market.tasks.models import Task

    user, solution = await ft.coordinator_of()
    task = await ft.task(user, solution)
    # Published, but the job has not run yet (published directly, so no job is queued).
    await Task.filter(id=task.id).update(status="published", published_at=clock.now())
    response = await client.get(
        f"/api/v1/tasks/{task.id}/shortlist", headers=await factories.bearer(client, user)
    )
    assert response.status_code == 200
    body = response.json()
    assert body["computed_at"] is None and body["model_version"] is None
    assert body["entries"] == [] and body["status"] == "queued"


@pytest.mark.parametrize("who", ["other coordinator", "vendor", "municipality"])
async def test_only_its_coordinators_and_the_secretariat_see_it(client, run_jobs, who):
    _user, _solution, task, _vendors = await published(client, run_jobs)
    if who == "other coordinator":
        stranger, _other = await ft.coordinator_of()
    elif who == "vendor":
        stranger = await factories.user("vendor_admin")
    else:
        stranger = await factories.user("municipality")
    response = await client.get(
        f"/api/v1/tasks/{task.id}/shortlist", headers=await factories.bearer(client, stranger)
    )
    assert response.status_code == 403
    assert response.json()["message"]
    secretariat = await factories.user("secretariat")
    response = await client.get(
        f"/api/v1/tasks/{task.id}/shortlist", headers=await factories.bearer(client, secretariat)
    )
    assert response.status_code == 200 and response.json()["entries"]
    response = await client.get(
        "/api/v1/tasks/999999/shortlist", headers=await factories.bearer(client, secretariat)
    )
    assert response.status_code == 404


async def test_the_page_shows_bars_and_reasons_and_invites(client, run_jobs):
    user, _solution, task, vendors = await published(client, run_jobs)
    await factories.login(client, user)
    page = await client.get(f"/tasks/{task.id}/shortlist")
    assert page.status_code == 200
    assert "Python Partner ApS" in page.text and "<svg" in page.text and "<rect" in page.text
    assert "style=" not in page.text.split("<body", 1)[1]
    assert "Klage" in page.text  # the suspended vendor's reason
    chosen = [vendors["best"].id, vendors["good"].id]
    token = factories.csrf_from(page.text)
    response = await client.post(
        f"/tasks/{task.id}/shortlist/invitations",
        data={"csrf_token": token, "vendor_id": [str(i) for i in chosen]},
    )
    assert response.status_code == 303, response.text
    await run_jobs()
    page = await client.get(f"/tasks/{task.id}/shortlist")
    assert page.text.count(">Inviteret<") + page.text.count(">Invited<") == 2


async def test_invitations_grow_the_exposure_ledger(client, run_jobs):
    user, _solution, task, vendors = await published(client, run_jobs)
    weak = vendors["weak"].id
    before = (await ExposureLedger.get(vendor_id=weak)).exposure
    headers = await factories.bearer(client, user)
    response = await client.post(
        f"/api/v1/tasks/{task.id}/invitations", json={"vendor_ids": [weak]}, headers=headers
    )
    assert response.status_code == 201, response.text
    await run_jobs()
    ledger = await ExposureLedger.get(vendor_id=weak)
    assert ledger.invitations == 1 and ledger.exposure == pytest.approx(before + 1.0)


async def test_fit_reasons_explain_why_a_task_fits(client, run_jobs):
    _user, _solution, task, vendors = await published(client, run_jobs)
    reasons = await fit_reasons(vendors["best"].id, [task.id, 999999])
    assert reasons[999999] == []
    text = " ".join(reasons[task.id])
    assert "72000000" in text or "IT" in text
    assert reasons[task.id]


async def test_weights_change_is_audited_and_changes_the_model_version(client, run_jobs):
    secretariat = await factories.user("secretariat")
    await factories.login(client, secretariat)
    page = await client.get("/secretariat/matching")
    assert page.status_code == 200
    old_version = page.text.split('id="model-version">', 1)[1].split("<", 1)[0]
    from matching.types import FEATURES

    form = {name: "0.5" for name in FEATURES}
    form.update(
        {
            "fairness_strength": "0.1",
            "fair_share": "1",
            "csrf_token": factories.csrf_from(page.text),
        }
    )
    form["small_vendor"] = "9"  # out of range
    response = await client.post("/secretariat/matching", data=form)
    assert response.status_code == 422 and "field-small_vendor" in response.text
    form["small_vendor"] = "0,3"
    response = await client.post("/secretariat/matching", data=form)
    assert response.status_code == 303
    page = await client.get("/secretariat/matching")
    new_version = page.text.split('id="model-version">', 1)[1].split("<", 1)[0]
    assert new_version != old_version and new_version.startswith("linear-")
    event = await AuditEvent.filter(action="matching.settings_changed").order_by("-id").first()
    assert event is not None and event.actor_id == secretariat.id
    assert event.before["model_version"] == old_version
    assert event.after["weights"]["small_vendor"] == pytest.approx(0.3)
    await run_jobs()


async def test_shortlists_keep_the_settings_they_were_computed_with(client, run_jobs):
    _user, _solution, task, _vendors = await published(client, run_jobs)
    first = await Shortlist.get(task_id=task.id)
    secretariat = await factories.user("secretariat")
    from market.shortlists import services
    from matching.types import FEATURES

    await services.update_settings(
        {n: 0.1 for n in FEATURES}, {"fairness_strength": 0.05}, actor=secretariat
    )
    await run_jobs()  # the open task's shortlist is computed again
    second = await Shortlist.get(task_id=task.id)
    assert second.model_version != first.model_version
    assert second.settings["fairness_strength"] == pytest.approx(0.05)
    assert second.settings["weights"]["required_codes"] == pytest.approx(0.1)


async def test_fairness_page_shows_gini_and_small_vendor_shares(client, run_jobs):
    _user, _solution, _task, vendors = await published(client, run_jobs)
    secretariat = await factories.user("secretariat")
    await factories.login(client, secretariat)
    page = await client.get("/secretariat/fairness")
    assert page.status_code == 200
    assert 'id="exposure-gini"' in page.text and 'id="small-top-share"' in page.text
    assert "<rect" in page.text
    # The pool is the vendors eligible today (not the unsigned or the suspended one), and small
    # means SME as in the fair share: "best" (5 employees), "good" (80) and "busy" (5) of the
    # four eligible vendors; "weak" (400) is large.
    assert re.search(r'id="pool-size">4 af \d+ registrerede', page.text)
    assert 'id="small-pool-share">75 %' in page.text

    # The pool is kept per process for the vendor lists' version: a suspension counts at once.
    await Vendor.filter(id=vendors["busy"].id).update(suspended_at=clock.now())
    page = await client.get("/secretariat/fairness")
    assert re.search(r'id="pool-size">3 af \d+ registrerede', page.text)
    assert 'id="small-pool-share">67 %' in page.text


async def test_learning_needs_enough_awards(client, run_jobs):
    secretariat = await factories.user("secretariat")
    await factories.login(client, secretariat)
    token = factories.csrf_from((await client.get("/secretariat/matching")).text)
    response = await client.post("/secretariat/matching/learn", data={"csrf_token": token})
    assert response.status_code == 303
    await run_jobs()
    page = await client.get("/secretariat/matching")
    assert 'id="learned-models"' in page.text
    from market.shortlists.models import MatchingModel

    model = await MatchingModel.all().order_by("-id").first()
    assert model is not None and model.status == "too_few" and not model.adopted
    assert await AuditEvent.filter(action="matching.learning_requested").exists()


def test_the_web_process_does_not_import_scikit_learn(settings) -> None:
    code = (
        "import sys\n"
        "from market.settings import Settings\n"
        "import market.app\n"
        "app = market.app.create_app(Settings.from_env({'MARKET_ENV': 'test', "
        "'SECRET_KEY': 'x' * 48}), run_periodic=False, manage_orm=False)\n"
        "heavy = sorted(m for m in ('sklearn', 'matching.ranker', 'matching.learn') "
        "if m in sys.modules)\n"
        "print(','.join(heavy) or 'clean')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "clean"
