"""The evaluation and benchmark commands, on small inputs."""

import json
from pathlib import Path

import pytest

from matching import bench, evaluate, synth
from matching.awards import load_awards

OCDS = (
    Path(__file__).parents[4] / "shared/data/ocds/uk_contracts_finder_sample_release_package.json"
)


@pytest.fixture(scope="module")
def awards_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("synth") / "awards.jsonl"
    assert (
        synth.main(["--vendors", "60", "--awards", "400", "--seed", "3", "--out", str(path)]) == 0
    )
    return path


def test_evaluate_prints_the_json_report(awards_file, capsys):
    assert evaluate.main([str(awards_file), "--json", "--seed", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"split_date", "train", "test", "warm_test", "candidates", "rankers", "paired"} <= set(
        report
    )
    assert {"fairness", "seconds", "fairness_curve"} <= set(report)
    assert set(report["rankers"]) == {
        "engine",
        "learned",
        "tfidf_text",
        "random",
        "popularity",
        "code_coverage",
        "code_frequency",
        "blend",
        "hand_weights",
    }
    for summary in report["rankers"].values():
        for metric in evaluate.METRICS:
            assert 0.0 <= summary[metric] <= 1.0
            low, high = summary["ci95"][metric]
            assert 0.0 <= low <= high <= 1.0
    assert {"mrr_diff", "ci95"} <= set(report["paired"]["engine-tfidf_text"])
    assert {"mrr_diff", "ci95"} <= set(report["paired"]["engine-learned"])
    assert set(report["learned_weights"]) == set(evaluate.FEATURES)
    assert report["learned_decision"]["use"] in ("current", "candidate")
    point = report["fairness_curve"][0]
    assert {"fair_share", "fairness_strength", "ndcg@10", "ndcg@10_cost", "sme_top10_share"} <= set(
        point
    )
    assert set(report["fairness"]["engine"]) == {
        "exposure_gini",
        "sme_top10_share",
        "sme_pool_share",
    }
    assert report["train"] + report["test"] == 400
    # What the fair share works against: the SMEs' share of the test winners, and the engine
    # before learning without any fairness step (the curve's first point when nothing is adopted).
    assert 0.0 <= report["sme_winner_share"] <= 1.0
    reference = report["hand_weights_without_fairness"]
    assert reference["fair_share"] == reference["fairness_strength"] == 0.0
    if report["learned_decision"]["use"] == "current":
        assert reference == {k: v for k, v in point.items() if k != "ndcg@10_cost"}


def test_evaluate_prints_a_table_without_json(awards_file, capsys):
    assert evaluate.main([str(awards_file), "--split-date", "2023-06-01"]) == 0
    out = capsys.readouterr().out
    assert "split 2023-06-01" in out and "engine-tfidf_text" in out


def test_same_file_gives_the_same_report(awards_file):
    awards = load_awards(awards_file)
    first, second = evaluate.evaluate(awards, seed=2), evaluate.evaluate(awards, seed=2)
    first.pop("seconds"), second.pop("seconds")
    assert first == second


@pytest.mark.skipif(not OCDS.exists(), reason="the shared OCDS sample is not here")
def test_ocds_release_package_is_read():
    awards = load_awards(OCDS)
    assert len(awards) > 100
    assert all(award.supplier and award.date for award in awards)
    assert any(award.codes for award in awards) and any(award.supplier_sme for award in awards)
    assert len({(a.id) for a in awards}) == len(awards)


def test_bench_prints_the_json_shape(capsys):
    assert bench.main(["--vendors", "300", "--tasks", "3", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    (run,) = report["runs"]
    assert {
        "vendors",
        "build_seconds",
        "rank_ms_p50",
        "rank_ms_p95",
        "score_ms_p95",
        "floor_ms_p95",
        "ratio_p95",
        "peak_rss_mb",
        "floor_peak_rss_mb",
    } <= set(run)
    assert run["vendors"] == 300 and run["rank_ms_p95"] > 0 and run["floor_ms_p95"] > 0
    assert run["ratio_p95"] == round(run["rank_ms_p95"] / run["floor_ms_p95"], 2)


def test_synth_is_reproducible_and_the_stress_market_favours_large_vendors():
    assert synth.generate(120, 600, seed=5) == synth.generate(120, 600, seed=5)

    def sme_share_of_awards(rows):
        return sum(bool(row["supplier_sme"]) for row in rows) / len(rows)

    default = synth.generate(120, 600, seed=5)
    stress = synth.generate(120, 600, seed=5, large_reach=1.2)
    assert len(default) == len(stress) == 600
    assert sme_share_of_awards(stress) < sme_share_of_awards(default) - 0.1


def test_a_file_too_large_for_every_merit_array_gives_the_same_figures(awards_file, monkeypatch):
    awards = load_awards(awards_file)
    full = evaluate.evaluate(awards, seed=1)
    monkeypatch.setattr(evaluate, "MERIT_CACHE_BYTES", 0)
    compact = evaluate.evaluate(awards, seed=1)
    assert compact["rankers"] == full["rankers"] and compact["fairness"] == full["fairness"]
    assert "rotation" in compact["fairness_curve_note"]
    assert "note: fair rotation points left out" in evaluate.format_table(compact)
    assert {p["fairness_strength"] for p in compact["fairness_curve"]} == {0.0}
    assert compact["fairness_curve"] == [
        p for p in full["fairness_curve"] if p["fairness_strength"] == 0.0
    ]
