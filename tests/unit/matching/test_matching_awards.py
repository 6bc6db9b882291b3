"""Reading award files as real ones come: messy JSON lines, arrays, OCDS bulk lines."""

from __future__ import annotations

import datetime as dt
import json

from matching import evaluate
from matching.awards import Skipped, load_awards


def write_lines(path, rows):
    path.write_text("".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def test_messy_json_lines_keep_the_good_rows_and_say_why_others_were_left_out(tmp_path):
    good = {
        "id": "A1",
        "date": "2024-03-01T10:00:00Z",
        "title": "Drift",
        "codes": "72000000-5, 48000000",
        "buyer": "Aarhus",
        "supplier": 17,
        "supplier_sme": "false",
    }
    also_good = {"date": "2024-03-02", "supplier": "S2", "supplier_sme": "Yes", "codes": None}
    path = write_lines(
        tmp_path / "awards.jsonl",
        [
            json.dumps(good),
            "{not json",
            json.dumps({"id": "A3", "date": "2024-03-03"}),  # no supplier
            json.dumps({"id": "A4", "date": "03/04/2024", "supplier": "S4"}),  # not ISO
            "",
            json.dumps(also_good),
        ],
    )
    skipped = Skipped()
    awards = load_awards(path, skipped)

    assert [a.supplier for a in awards] == ["17", "S2"]
    first, second = awards
    assert first.date == dt.date(2024, 3, 1) and first.codes == ("72000000-5", "48000000")
    assert first.supplier_sme is False  # the string "false" is not true
    assert second.supplier_sme is True and second.codes == () and second.id == "line-6"
    assert len(skipped) == 3
    assert "line 2: not JSON" in skipped[0]
    assert "no supplier" in skipped[1] and "no valid date" in skipped[2]


def test_a_json_array_of_awards_is_read(tmp_path):
    path = tmp_path / "awards.json"
    rows = [
        {"id": "B1", "date": "2024-01-05", "supplier": "X", "codes": ["72000000"]},
        {"id": "B2", "date": "2024-01-04", "supplier": "Y", "codes": ["48000000"]},
    ]
    path.write_text(json.dumps(rows), encoding="utf-8")
    assert [a.id for a in load_awards(path)] == ["B2", "B1"]  # sorted by date


def release(ocid: str, date: str, supplier: str, scale: str) -> dict:
    return {
        "ocid": ocid,
        "id": f"{ocid}-1",
        "date": date,
        "tender": {
            "title": "Hosting af OS2forms",
            "procuringEntity": {"id": "DK-29189978", "name": "Aarhus Kommune"},
            "items": [{"classification": {"scheme": "CPV", "id": "72415000"}}],
        },
        "parties": [{"id": supplier, "name": supplier, "details": {"scale": scale}}],
        "awards": [{"id": "1", "date": date, "status": "active", "suppliers": [{"id": supplier}]}],
    }


def test_ocds_bulk_lines_of_releases_and_packages_are_read(tmp_path):
    path = write_lines(
        tmp_path / "bulk.jsonl",
        [
            json.dumps(release("ocds-1", "2024-02-01T00:00:00Z", "DK-1", "sme")),
            json.dumps({"releases": [release("ocds-2", "2024-02-02", "DK-2", "large")]}),
            json.dumps(release("ocds-3", "2024-02-03", "DK-3", "selfEmployed")),
        ],
    )
    awards = load_awards(path)
    assert [(a.supplier, a.supplier_sme) for a in awards] == [
        ("DK-1", True),
        ("DK-2", False),
        ("DK-3", True),
    ]
    assert awards[0].buyer == "DK-29189978" and awards[0].codes == ("72415000",)


def test_evaluate_says_what_is_wrong_with_an_unreadable_file(tmp_path, capsys):
    empty = write_lines(tmp_path / "empty.jsonl", ["{broken", "[1, 2"])
    assert evaluate.main([str(empty), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no awards to evaluate" in captured.err
    assert evaluate.main([str(tmp_path / "missing.jsonl")]) == 2
    assert "No such file" in capsys.readouterr().err
