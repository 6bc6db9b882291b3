"""Contributions: real git repositories imported, vendors' identities, figures on pages and API."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from market import jobs
from market.contributions import services
from market.contributions.models import ImportedCommit, VendorContribution, VendorIdentity
from market.shortlists import engine
from market.solutions.models import Solution
from tests import factories
from tests import factories_conduct as fc
from tests import factories_contributions as fg
from tests import factories_shortlists as fs
from tests import factories_tasks as ft


@pytest.fixture(autouse=True)
def fresh_index() -> Iterator[None]:
    engine.forget()
    yield
    engine.forget()


async def two_vendors():
    fjord, fjord_admin = await fc.active_vendor(name="Fjordsoft ApS", email="admin@fjordsoft.dk")
    nord, nord_admin = await fc.active_vendor(
        name="Nordlys Digital ApS", email="it@nordlys.example"
    )
    return fjord, fjord_admin, nord, nord_admin


async def put_identities(client, admin, vendor_id, **body):
    headers = await factories.bearer(client, admin)
    return await client.put(f"/api/v1/vendors/{vendor_id}/identities", json=body, headers=headers)


async def imported(tmp_path, settings, name="OS2kitos"):
    solution = await Solution.create(name=name)
    repository = fg.product_history(tmp_path / "repo")
    report = await services.import_commits(solution, str(repository), var_dir=settings.var_dir)
    return solution, repository, report


async def test_identities_are_confirmed_at_once_for_the_admins_domain_and_otherwise_wait(
    client, run_jobs, tmp_path, settings
):
    fjord, fjord_admin, nord, nord_admin = await two_vendors()
    _solution, _repo, report = await imported(tmp_path, settings)
    assert report.new_commits == 6 and report.unmatched_authors == 4

    answer = await put_identities(client, fjord_admin, fjord.id, domains=["FjordSoft.dk"])
    assert answer.status_code == 200
    assert answer.json()["domains"][0] == {
        **answer.json()["domains"][0],
        "label": "fjordsoft.dk",
        "status": "confirmed",
    }
    answer = await put_identities(
        client, nord_admin, nord.id, domains=["nordlys.dk"], authors=["hobby@gmail.com"]
    )
    assert [d["status"] for d in answer.json()["domains"]] == ["pending"]
    assert answer.json()["authors"][0]["label"] == "h…@gmail.com"
    assert answer.json()["authors"][0]["status"] == "pending"
    await run_jobs()

    shown = (await client.get(f"/api/v1/vendors/{fjord.id}")).json()["contributions"]
    assert [(c["solution"], c["commits"]) for c in shown] == [("OS2kitos", 3)]
    assert (
        shown[0]["lines_changed"] == 3 + (2 + 3) + 1
    )  # models.py: 3 lines, then 1 changed and 1 added
    assert shown[0]["languages"] == ["Python"]
    assert shown[0]["first_commit_at"].startswith("2023-11-14")
    assert (await client.get(f"/api/v1/vendors/{nord.id}")).json()["contributions"] == []

    secretariat = await factories.user("secretariat")
    headers = await factories.bearer(client, secretariat)
    confirmed = await client.post(f"/api/v1/vendors/{nord.id}/identities/confirm", headers=headers)
    assert confirmed.status_code == 200
    assert {i["status"] for i in confirmed.json()["domains"] + confirmed.json()["authors"]} == {
        "confirmed"
    }
    await run_jobs()
    shown = (await client.get(f"/api/v1/vendors/{nord.id}")).json()["contributions"]
    assert shown[0]["commits"] == 3  # two by nordlys.dk and the declared gmail.com author
    assert shown[0]["languages"] == ["TypeScript", "Markdown"]


async def test_only_hashes_of_authors_are_stored(tmp_path, settings):
    await imported(tmp_path, settings)
    rows = await ImportedCommit.all().values()
    stored = repr(rows)
    for secret in ("anna", "fjordsoft", "Ærø", "gmail", "nordlys"):
        assert secret not in stored.lower()


async def test_bad_identities_are_refused_with_what_is_wrong(client):
    fjord, fjord_admin, _nord, nord_admin = await two_vendors()
    answer = await put_identities(client, fjord_admin, fjord.id, domains=["gmail.com"])
    assert answer.status_code == 422
    assert "gmail.com" in answer.json()["fields"]["domains"]
    answer = await put_identities(client, fjord_admin, fjord.id, domains=["not a domain"])
    assert answer.status_code == 422 and "domains" in answer.json()["fields"]
    answer = await put_identities(client, fjord_admin, fjord.id, domains="fjordsoft.dk")
    assert answer.status_code == 422
    answer = await put_identities(client, nord_admin, fjord.id, domains=["nordlys.dk"])
    assert answer.status_code == 403
    assert await VendorIdentity.all().count() == 0


async def test_a_domain_confirmed_for_one_vendor_cannot_be_confirmed_for_another(client):
    fjord, fjord_admin, nord, nord_admin = await two_vendors()
    await put_identities(client, fjord_admin, fjord.id, domains=["fjordsoft.dk"])
    await put_identities(client, nord_admin, nord.id, domains=["fjordsoft.dk"])
    headers = await factories.bearer(client, await factories.user("secretariat"))
    answer = await client.post(f"/api/v1/vendors/{nord.id}/identities/confirm", headers=headers)
    assert answer.status_code == 409
    assert "fjordsoft.dk" in answer.json()["message"]


async def test_reimport_reads_only_new_commits_and_is_idempotent(tmp_path, settings):
    solution, repository, _report = await imported(tmp_path, settings)
    again = await services.import_commits(solution, str(repository), var_dir=settings.var_dir)
    assert (again.new_commits, again.known_commits) == (0, 6)
    fg.commit(repository, "Carl", "carl@fjordsoft.dk", {"app/x.py": "1\n"}, when=fg.BASE_TIME + 9e6)
    more = await services.import_commits(solution, str(repository), var_dir=settings.var_dir)
    assert (more.new_commits, more.total_commits) == (1, 7)
    assert await ImportedCommit.filter(solution=solution).count() == 7


async def test_a_rewritten_history_loses_nothing_and_counts_nothing_twice(tmp_path, settings):
    solution, repository, _report = await imported(tmp_path, settings)
    # Rewrite: drop the last two commits and add another one in their place.
    fg.git(repository, "reset", "-q", "--hard", "HEAD~2")
    fg.commit(repository, "Bo", "bo@nordlys.dk", {"web/new.ts": "n\n"}, when=fg.BASE_TIME + 8e6)
    report = await services.import_commits(solution, str(repository), var_dir=settings.var_dir)
    assert report.rewritten and report.new_commits == 1
    assert report.total_commits == 7
    assert any("omskrevet" in line for line in report.lines())


async def test_unreadable_and_empty_repositories_say_so_and_keep_what_was_imported(
    tmp_path, settings
):
    solution, _repository, _report = await imported(tmp_path, settings)
    with pytest.raises(services.ImportFailed) as failed:
        await services.import_commits(solution, str(tmp_path / "nowhere"), var_dir=settings.var_dir)
    assert "kunne ikke læses" in failed.value.message
    assert "går tabt" in failed.value.message
    not_git = tmp_path / "plain"
    not_git.mkdir()
    with pytest.raises(services.ImportFailed):
        await services.import_commits(solution, str(not_git), var_dir=settings.var_dir)
    empty = fg.new_repository(tmp_path / "empty")
    report = await services.import_commits(solution, str(empty), var_dir=settings.var_dir)
    assert report.empty and "ingen commits" in report.lines()[0]
    assert await ImportedCommit.filter(solution=solution).count() == 6


async def test_author_names_in_another_encoding_are_read_and_matched(
    client, run_jobs, tmp_path, settings
):
    fjord, fjord_admin, _nord, _nord_admin = await two_vendors()
    solution = await Solution.create(name="OS2forms")
    repository = fg.new_repository(tmp_path / "latin")
    fg.git(repository, "config", "i18n.commitEncoding", "ISO-8859-1")
    fg.commit(
        repository, "J\xf8rgen".encode("latin-1"), "j@x.org", {"a.py": "1\n"}, when=fg.BASE_TIME
    )
    report = await services.import_commits(solution, str(repository), var_dir=settings.var_dir)
    assert report.new_commits == 1
    answer = await put_identities(client, fjord_admin, fjord.id, authors=["Jørgen"])
    assert answer.status_code == 200
    headers = await factories.bearer(client, await factories.user("secretariat"))
    await client.post(f"/api/v1/vendors/{fjord.id}/identities/confirm", headers=headers)
    await run_jobs()
    assert await VendorContribution.filter(vendor_id=fjord.id).count() == 1


async def test_profile_and_directory_show_the_evidence_in_both_languages(
    client, run_jobs, tmp_path, settings
):
    fjord, fjord_admin, _nord, _nord_admin = await two_vendors()
    await put_identities(client, fjord_admin, fjord.id, domains=["fjordsoft.dk"])
    await imported(tmp_path, settings)
    await run_jobs()
    page = (await client.get(f"/vendors/{fjord.id}")).text
    assert "3 commits til OS2kitos siden 2023, senest i januar 2024; Python" in page
    assert 'role="img"' in page and "Commits til OS2kitos pr. måned" in page
    page = (await client.get(f"/vendors/{fjord.id}?lang=en")).text
    assert "3 commits to OS2kitos since 2023, most recently in January 2024; Python" in page
    directory = (await client.get("/directory?q=Fjordsoft&lang=en")).text
    assert "3 commits to OS2kitos since 2023" in directory
    detail = (await client.get(f"/directory/{fjord.id}?lang=da")).text
    assert "3 commits til OS2kitos" in detail


async def test_the_shortlist_names_the_product_a_vendor_contributed_to(
    client, run_jobs, tmp_path, settings
):
    vendors = await fs.pool()
    best = vendors["good"]
    admin = await factories.user(
        "vendor_admin", organisation=await best.organisation, email="boss@nordlys.dk"
    )
    await put_identities(client, admin, best.id, domains=["nordlys.dk"])
    user, solution = await ft.coordinator_of(await Solution.create(name="OS2kitos"))
    repository = fg.product_history(tmp_path / "repo")
    await services.import_commits(solution, str(repository), var_dir=settings.var_dir)
    await run_jobs()
    task = await ft.task(user, solution, publish=True)
    await run_jobs()
    await factories.login(client, user)
    page = (await client.get(f"/tasks/{task.id}/shortlist?lang=en")).text
    assert "has contributed to OS2kitos" in page
    assert "Contributed to this product&#39;s code" in page


def test_the_command_imports_and_prints_what_it_imported(tmp_path):
    repository = fg.product_history(tmp_path / "repo")
    env = {**os.environ, "MARKET_VAR_DIR": str(tmp_path / "var"), "MARKET_ENV": "development"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    market = str(Path(sys.executable).parent / "market")
    subprocess.run([market, "migrate"], env=env, check=True, capture_output=True)
    command = [market, "import-commits", "--solution", "OS2kitos", str(repository)]
    first = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    assert "6 nye commits importeret, 0 var kendt i forvejen, 6 i alt" in first.stdout
    assert "4 forfattere matcher ingen" in first.stdout
    again = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    assert "0 nye commits importeret, 6 var kendt i forvejen" in again.stdout
    missing = subprocess.run(
        [market, "import-commits", "--solution", "OS2kitos", str(tmp_path / "none")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert (
        missing.returncode == 1
        and "Intet af det, der er importeret før, går tabt" in missing.stderr
    )


async def test_a_git_url_is_mirrored_once_and_fetched_after(tmp_path, settings):
    solution = await Solution.create(name="OS2mo")
    repository = fg.product_history(tmp_path / "upstream")
    url = f"file://{repository}"
    first = await services.import_commits(solution, url, var_dir=settings.var_dir)
    assert first.new_commits == 6
    assert (services.mirror_path(settings.var_dir, solution.id) / "HEAD").exists()
    fg.commit(repository, "Bo", "bo@nordlys.dk", {"web/more.ts": "m\n"}, when=fg.BASE_TIME + 9e6)
    second = await services.import_commits(solution, url, var_dir=settings.var_dir)
    assert (second.new_commits, second.total_commits) == (1, 7)
    assert services.redacted("https://bot:s3cret@git.example/os2mo.git") == (
        "https://bot@git.example/os2mo.git"
    )


async def test_vendor_declares_on_its_page_and_the_secretariat_confirms_on_the_desk(
    client, run_jobs, tmp_path, settings
):
    _fjord, _fjord_admin, nord, nord_admin = await two_vendors()
    await imported(tmp_path, settings)
    await factories.login(client, nord_admin)
    answer = await factories.post_form(
        client,
        "/vendor/identities",
        {"domains": "gmail.com", "authors": "bo@nordlys.dk"},
        csrf_page="/vendor/identities",
    )
    assert answer.status_code == 422
    assert "gmail.com" in answer.text and "bo@nordlys.dk" in answer.text  # kept in the form
    answer = await factories.post_form(
        client,
        "/vendor/identities",
        {"domains": "nordlys.dk", "authors": "bo@nordlys.dk"},
        csrf_page="/vendor/identities",
    )
    assert answer.status_code == 303
    page = (await client.get("/vendor/identities")).text
    assert "nordlys.dk" in page and "b…@nordlys.dk" in page and "venter på sekretariatet" in page
    await factories.post_form(client, "/logout", {}, csrf_page="/vendor/identities")

    await factories.login(client, await factories.user("secretariat"))
    desk = (await client.get("/secretariat/contributions")).text
    assert "OS2kitos" in desk and "Nordlys Digital ApS" in desk
    answer = await factories.post_form(
        client,
        f"/secretariat/contributions/vendors/{nord.id}/confirm",
        {},
        csrf_page="/secretariat/contributions",
    )
    assert answer.status_code == 303
    await run_jobs()
    assert "Intet venter på bekræftelse" in (await client.get("/secretariat/contributions")).text
    shown = (await client.get(f"/api/v1/vendors/{nord.id}")).json()["contributions"]
    assert shown[0]["commits"] == 2


async def test_the_daily_refresh_imports_every_solution_with_a_repository(
    run_jobs, tmp_path, settings
):
    repository = fg.product_history(tmp_path / "upstream")
    solution = await Solution.create(name="OS2sync", repository_url=f"file://{repository}")
    queued = await jobs.JOBS["refresh_contributions"]({"settings": settings})
    assert queued >= 1
    await run_jobs()
    assert await ImportedCommit.filter(solution=solution).count() == 6
    await jobs.JOBS["refresh_contributions"]({"settings": settings})
    await run_jobs()  # nothing new: nothing more
    assert await ImportedCommit.filter(solution=solution).count() == 6
