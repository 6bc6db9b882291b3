"""The alert replay: recall grows with N, volume follows N, and the command prints the curve."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from market.alerts.replay import replay
from matching.awards import load_awards
from matching.synth import generate

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("replay") / "awards.jsonl"
    with path.open("w") as handle:
        for row in generate(vendors=60, awards=500, seed=4):
            handle.write(json.dumps(row) + "\n")
    return path


def test_recall_and_volume_grow_with_n_and_every_award_alerts_n_vendors(history: Path) -> None:
    report = replay(load_awards(history), ns=(1, 5, 10, 60))
    points = {p["n"]: p for p in report["points"]}
    recalls = [points[n]["recall"] for n in (1, 5, 10, 60)]
    assert recalls == sorted(recalls) and recalls[-1] == 1.0, "every winner is among all vendors"
    for n in (1, 5, 10):
        expected = n * report["awards_replayed"] / report["vendors"] / report["weeks"]
        assert points[n]["alerts_per_vendor_week"] == pytest.approx(expected, abs=0.002)
        assert 0.0 <= points[n]["sme_share_of_alerts"] <= 1.0
    assert points[60]["vendors_alerted"] == report["vendors"]


def test_the_command_prints_the_trade_off_over_n(history: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "market.alerts.replay", str(history), "--n", "1,10"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = done.stdout.splitlines()
    assert "awards replayed" in lines[0]
    assert lines[1].split()[:2] == ["N", "recall"]
    assert [line.split()[0] for line in lines[2:]] == ["1", "10"]
    wrong = subprocess.run(
        [sys.executable, "-m", "market.alerts.replay", str(history), "--n", "ten"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert wrong.returncode == 2 and "--n" in wrong.stderr
