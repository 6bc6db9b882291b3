"""Solutions, wishes with support and pledges, statuses, releases and the Jira import."""

from __future__ import annotations

from pathlib import Path

from market.solutions import services
from market.solutions.jira import import_jira
from market.solutions.models import Solution, Wish
from tests import factories
from tests import factories_tasks as ft

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "jira_os2kitos.csv"


async def test_seed_is_idempotent_and_solutions_are_listed(client):
    first = await services.seed_solutions()
    assert first >= 20 and await services.seed_solutions() == 0
    page = await client.get("/solutions")
    assert "OS2kitos" in page.text
    api = await client.get("/api/v1/solutions")
    assert "OS2forms" in [s["name"] for s in api.json()["items"]]


async def test_secretariat_creates_a_solution_with_known_coordinators_only(client):
    secretariat = await factories.user("secretariat")
    coordinator = await factories.user("municipality")
    headers = await factories.bearer(client, secretariat)
    body = {
        "name": "OS2test-ny",
        "description": "Ny løsning",
        "coordinator_emails": [coordinator.email],
    }
    created = await client.post("/api/v1/solutions", json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["id"] and created.json()["coordinators"][0]["email"] == coordinator.email
    await coordinator.refresh_from_db()
    assert "coordinator" in coordinator.roles
    assert (await client.post("/api/v1/solutions", json=body, headers=headers)).status_code == 409
    unknown = await client.post(
        "/api/v1/solutions",
        headers=headers,
        json={**body, "name": "OS2andet", "coordinator_emails": ["ingen@example.dk"]},
    )
    assert (
        unknown.status_code == 422
        and "ingen@example.dk" in unknown.json()["fields"]["coordinator_emails"]
    )
    assert not await Solution.filter(name="OS2andet").exists()


async def test_wish_support_once_per_municipality_sorted_by_support(client):
    solution = await ft.solution()
    syddjurs = await factories.user("municipality")
    aarhus = await factories.user(
        "municipality", organisation=await factories.municipality("Aarhus")
    )
    odense = await factories.user(
        "municipality", organisation=await factories.municipality("Odense")
    )
    headers = await factories.bearer(client, syddjurs)
    created = await client.post(
        "/api/v1/wishes",
        headers=headers,
        json={"solution_id": solution.id, "title": "Eksport til Excel", "description": "Tak"},
    )
    assert created.status_code == 201, created.text
    popular, quiet = created.json()["id"], (await ft.wish(solution)).id
    for user, pledge in ((aarhus, 25000), (odense, None)):
        answer = await client.post(
            f"/api/v1/wishes/{popular}/support",
            headers=await factories.bearer(client, user),
            json={"pledge_dkk": pledge} if pledge else None,
        )
        assert answer.status_code == 201, answer.text
    twice = await client.post(
        f"/api/v1/wishes/{popular}/support", headers=await factories.bearer(client, aarhus), json={}
    )
    assert twice.status_code == 409
    listing = (await client.get(f"/api/v1/wishes?solution_id={solution.id}")).json()["items"]
    assert [w["id"] for w in listing] == [popular, quiet]
    assert listing[0]["supporters"] == 3 and listing[0]["pledged_dkk"] == 25000


async def test_status_by_coordinators_only_and_rejection_needs_a_reason(client):
    coordinator, solution = await ft.coordinator_of()
    wish = await ft.wish(solution)
    stranger, _other = await ft.coordinator_of()
    refused = await client.put(
        f"/api/v1/wishes/{wish.id}/status",
        json={"status": "accepted"},
        headers=await factories.bearer(client, stranger),
    )
    assert refused.status_code == 403
    headers = await factories.bearer(client, coordinator)
    no_reason = await client.put(
        f"/api/v1/wishes/{wish.id}/status", json={"status": "rejected"}, headers=headers
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["fields"]
    done = await client.put(
        f"/api/v1/wishes/{wish.id}/status",
        headers=headers,
        json={"status": "rejected", "reason": "Dækkes af OS2mo"},
    )
    assert done.json()["status"] == "rejected"
    page = await client.get(f"/wishes/{wish.id}")
    assert "Dækkes af OS2mo" in page.text


async def test_release_cut_plans_wishes_and_shows_them_on_the_board(client):
    coordinator, solution = await ft.coordinator_of()
    wishes = [await ft.wish(solution), await ft.wish(solution)]
    headers = await factories.bearer(client, coordinator)
    release = await client.post(
        "/api/v1/releases",
        headers=headers,
        json={"solution_id": solution.id, "name": "2027.1", "target_date": "2099-03-01"},
    )
    assert release.status_code == 201, release.text
    planned = await client.post(
        f"/api/v1/releases/{release.json()['id']}/wishes",
        headers=headers,
        json={"wish_ids": [w.id for w in wishes]},
    )
    assert planned.status_code == 200
    assert {w.status for w in await Wish.filter(solution=solution)} == {"planned"}
    board = await client.get(f"/releases/{release.json()['id']}")
    assert wishes[0].title in board.text and board.status_code == 200


async def test_jira_reimport_changes_nothing_and_malformed_rows_are_reported():
    solution = await ft.solution(name="OS2kitos-test")
    first = await import_jira(solution, SAMPLE.read_text(encoding="utf-8"))
    assert len(first.created) == 20 and not first.updated
    reasons = dict(first.rejected)
    assert set(reasons) == {20, 21, 22}, first.rejected
    assert "issue key" in reasons[20]
    assert "KITOS-120" in reasons[21] and "summary" in reasons[21]
    assert "KITOS-121" in reasons[22] and "31/Foo/24" in reasons[22]
    wish = await Wish.get(solution=solution, jira_key="KITOS-101")
    assert wish.labels == ["eksport", "kontrakter"] and wish.priority == "high"
    assert wish.jira_votes == 12
    second = await import_jira(solution, SAMPLE.read_text(encoding="utf-8"))
    assert (len(second.created), len(second.updated), len(second.unchanged)) == (0, 0, 20)
    assert await Wish.filter(solution=solution).count() == 20
    changed = SAMPLE.read_text(encoding="utf-8").replace("Mørkt tema", "Mørkt tema (ny)")
    third = await import_jira(solution, changed)
    assert third.updated == ["KITOS-113"]


async def test_jira_upload_form_for_coordinators(client):
    coordinator, solution = await ft.coordinator_of()
    await factories.login(client, coordinator)
    response = await factories.post_form(
        client,
        f"/solutions/{solution.id}/import-jira",
        {},
        files={"file": ("export.csv", SAMPLE.read_bytes(), "text/csv")},
    )
    assert response.status_code == 200, response.text
    assert "KITOS-120" in response.text  # a rejected row, with its reason
    assert await Wish.filter(solution=solution).count() == 20


def test_import_jira_command_reports_rows(tmp_path):
    """The CLI in its own process and SQLite file: counts, a progress bar, rejected rows."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite://{tmp_path}/cli.sqlite3",
        "MARKET_VAR_DIR": str(tmp_path),
        "MARKET_ENV": "test",
    }
    env.pop("REDIS_URL", None)
    schema = (
        "import asyncio\n"
        "from tortoise import Tortoise\n"
        "from market.db import tortoise_config\n"
        "from market.settings import Settings\n"
        "async def main():\n"
        "    await Tortoise.init(config=tortoise_config(Settings.from_env()))\n"
        "    await Tortoise.generate_schemas()\n"
        "    await Tortoise.close_connections()\n"
        "asyncio.run(main())\n"
    )
    subprocess.run([sys.executable, "-c", schema], env=env, check=True)
    market = str(Path(sys.executable).parent / "market")
    command = [market, "import-jira", str(SAMPLE), "--solution", "OS2kitos"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stderr
    assert "created 20, updated 0, unchanged 0, rejected 3" in first.stdout
    assert "row 22: KITOS-121" in first.stdout
    assert "23/23" in first.stderr  # the tqdm progress bar
    again = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert "created 0, updated 0, unchanged 20, rejected 3" in again.stdout
