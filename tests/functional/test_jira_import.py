"""Jira exports as real ones come: Danish month names, issue type, parent, resolution,
components and custom fields kept, wiki markup stripped, any encoding read or refused."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from market.solutions.jira import decode_export, import_jira, parse_created, strip_wiki
from market.solutions.models import Wish
from tests import factories
from tests import factories_tasks as ft

DANISH = Path(__file__).resolve().parent.parent / "data" / "jira_danish_export.csv"


def test_dates_in_danish_and_english_month_names() -> None:
    expected = dt.datetime(2026, 5, 5, 8, 15, tzinfo=dt.UTC)  # 10:15 in Copenhagen (summer)
    assert parse_created("05/maj/26 10:15") == expected
    assert parse_created("05/maj/26 10:15 AM") == expected
    assert parse_created("05/May/26 10:15 AM") == expected
    assert parse_created("5/maj./2026 10:15") == expected
    assert parse_created("14/okt./25 2:30 PM") == dt.datetime(2025, 10, 14, 12, 30, tzinfo=dt.UTC)
    assert parse_created("1/december/2025 9:05") == dt.datetime(2025, 12, 1, 8, 5, tzinfo=dt.UTC)
    assert parse_created("31/Foo/24 10:15 AM") is None


def test_wiki_markup_is_stripped_to_readable_text() -> None:
    text = strip_wiki(
        "h2. Baggrund\n*Fed* og _kursiv_, se [vejledningen|https://example.dk] og [~mette].\n"
        "* et\n# to\n||Felt||Værdi||\n|Start|dato|\n{code}\nx = a*b*\n{code}\n"
        "{color:red}Vigtigt{color} !skitse.png|thumbnail!"
    )
    assert text.splitlines() == [
        "Baggrund",
        "Fed og kursiv, se vejledningen (https://example.dk) og @mette.",
        "- et",
        "- to",
        "Felt | Værdi",
        "Start | dato",
        "",
        "x = a*b*",  # code stays as it was written
        "",
        "Vigtigt [skitse.png]",
    ]


async def test_a_danish_export_keeps_type_parent_resolution_components_and_custom_fields(
    client,
) -> None:
    coordinator, solution = await ft.coordinator_of()
    report = await import_jira(solution, DANISH.read_text(encoding="utf-8"))
    assert (len(report.created), report.rejected) == (3, [])
    story = await Wish.get(solution=solution, jira_key="AULA-8")
    assert story.jira_fields == {
        "issue_type": "Historie",
        "parent": "AULA-7",
        "parent_summary": "Fælles kalender",
        "resolution": "Færdig",
        "components": ["Integrationer", "Kalender"],
        "custom": {"Story Points": "5", "Kommuner": ["Syddjurs", "Aarhus"]},
    }
    assert story.jira_created_at == dt.datetime(2025, 10, 14, 12, 30, tzinfo=dt.UTC)
    assert story.labels == ["eksport", "ical"] and story.priority == "medium"
    assert "[vejledningen|" not in story.description and "h2." not in story.description
    assert "vejledningen (https://example.dk/ical)" in story.description
    assert (await Wish.get(solution=solution, jira_key="AULA-7")).jira_fields[
        "issue_type"
    ] == "Epic"
    again = await import_jira(solution, DANISH.read_text(encoding="utf-8"))
    assert len(again.unchanged) == 3

    page = await client.get(f"/wishes/{story.id}")
    assert "Historie" in page.text and "AULA-7: Fælles kalender" in page.text
    assert "Integrationer, Kalender" in page.text and "Syddjurs, Aarhus" in page.text
    assert coordinator is not None


def test_encodings_are_read_by_their_byte_order_mark_or_named() -> None:
    text = DANISH.read_text(encoding="utf-8")
    assert decode_export(text.encode("utf-16")) == text
    assert decode_export(b"\xef\xbb\xbf" + text.encode()) == text
    assert decode_export(text.encode("cp1252"), "cp1252") == text


async def test_the_upload_form_refuses_an_unknown_encoding_with_a_message(client) -> None:
    coordinator, solution = await ft.coordinator_of()
    await factories.login(client, coordinator)
    raw = DANISH.read_text(encoding="utf-8").encode("cp1252")
    response = await factories.post_form(
        client,
        f"/solutions/{solution.id}/import-jira",
        {},
        files={"file": ("export.csv", raw, "text/csv")},
    )
    assert response.status_code == 422
    assert "UTF-8" in response.text
    assert await Wish.filter(solution=solution).count() == 0


def test_the_command_names_the_problem_with_a_non_utf8_file(tmp_path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite://{tmp_path}/cli.sqlite3",
        "MARKET_VAR_DIR": str(tmp_path),
        "MARKET_ENV": "test",
    }
    env.pop("REDIS_URL", None)
    market = str(Path(sys.executable).parent / "market")
    subprocess.run([market, "migrate"], env=env, check=True, capture_output=True)
    export = tmp_path / "eksport.csv"
    export.write_bytes(DANISH.read_text(encoding="utf-8").encode("cp1252"))
    command = [market, "import-jira", str(export), "--solution", "OS2kitos"]
    refused = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert refused.returncode == 1
    assert "Traceback" not in refused.stderr
    assert "eksport.csv: the file is not UTF-8: byte 0xe6" in refused.stderr
    assert "--encoding" in refused.stderr
    named = subprocess.run(
        [*command, "--encoding", "cp1252"], env=env, capture_output=True, text=True, check=False
    )
    assert named.returncode == 0, named.stderr
    assert "created 3, updated 0, unchanged 0, rejected 0" in named.stdout
