"""Replay an award history through the alert rule and measure what it would have done.

    python -m market.alerts.replay [FILE ...] [--synth-seed S] [--n 1,3,5,10] [--json]

Each FILE holds past awards (JSON lines or OCDS, as `matching.evaluate` reads them);
`--synth-seed` adds a synthetic market from `matching.synth`. As in the evaluation, vendor
profiles come from the awards before the split date (70% of the history) and every later award
whose winner was already known is replayed as a published task: the engine ranks every vendor
with the default settings (fair share included), and the first N eligible vendors are alerted.

Printed per file and N: recall (share of the eventual winners that were alerted), volume
(alerts per vendor per week, mean and 90th percentile over the vendors), and the SME share of
the alerts against the SMEs' share of the vendors and of the wins. A pure tool: no database.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from matching.awards import Award, Skipped, load_awards
from matching.evaluate import Evaluation, split_awards, top_ids
from matching.synth import generate
from matching.types import DEFAULT_SETTINGS, Settings

DEFAULT_NS = (1, 3, 5, 10, 15, 20, 30, 50)


def alerted_sets(run: Evaluation, tops: list[np.ndarray], most: int) -> list[np.ndarray]:
    """Per replayed award, the vendors in alert order up to `most`: the engine's fair first
    places, then the rest by merit."""
    result = []
    for top, merit in zip(tops, run.merits(), strict=True):
        if most <= len(top):
            result.append(np.asarray(top[:most]))
            continue
        extra = top_ids(merit, min(most + len(top), len(merit)))
        rest = extra[~np.isin(extra, top)][: most - len(top)]
        result.append(np.concatenate([top, rest]))
    return result


def replay(
    awards: Sequence[Award], ns: Sequence[int] = DEFAULT_NS, settings: Settings = DEFAULT_SETTINGS
) -> dict[str, Any]:
    """The alert figures of one award history, for each N."""
    split = split_awards(awards)
    run = Evaluation(split, settings)
    ranks, tops = run.engine()
    vendors = len(split.suppliers)
    if not len(ranks) or not vendors:
        raise ValueError("no award to replay: the test period has no known winner")
    dates = [a.date for a in split.warm]
    weeks = max((max(dates) - split.split_date).days / 7.0, 1.0)
    sets = alerted_sets(run, tops, max(ns))
    sme = run.sme
    winners = run.winners
    points = []
    for n in sorted(set(ns)):
        counts = np.zeros(vendors)
        sme_alerts = 0
        total = 0
        for alerted in sets:
            chosen = alerted[:n]
            counts[chosen] += 1
            sme_alerts += int(sme[chosen].sum())
            total += len(chosen)
        per_week = counts / weeks
        points.append(
            {
                "n": n,
                "recall": round(float((ranks <= n).mean()), 4),
                "alerts_per_vendor_week": round(float(per_week.mean()), 3),
                "alerts_per_vendor_week_p90": round(float(np.percentile(per_week, 90)), 3),
                "alerts_per_vendor_week_max": round(float(per_week.max()), 2),
                "vendors_alerted": int((counts > 0).sum()),
                "sme_share_of_alerts": round(sme_alerts / total, 4) if total else 0.0,
            }
        )
    return {
        "split_date": split.split_date.isoformat(),
        "awards_replayed": len(split.warm),
        "awards_with_new_winner": len(split.test) - len(split.warm),
        "vendors": vendors,
        "weeks": round(weeks, 1),
        "tasks_per_week": round(len(split.warm) / weeks, 2),
        "sme_share_of_vendors": round(float(sme.mean()), 4),
        "sme_share_of_wins": round(float(sme[winners].mean()), 4),
        "points": points,
    }


def format_report(name: str, report: dict[str, Any]) -> str:
    lines = [
        f"{name}: {report['awards_replayed']} awards replayed over {report['weeks']} weeks "
        f"({report['tasks_per_week']} tasks/week; {report['awards_with_new_winner']} more went "
        f"to vendors never seen before), {report['vendors']} vendors; SMEs are "
        f"{report['sme_share_of_vendors']:.0%} of the vendors and won "
        f"{report['sme_share_of_wins']:.0%}.",
        f"{'N':>4} {'recall':>7} {'alerts/vendor/wk':>17} {'p90':>6} {'max':>6} "
        f"{'vendors alerted':>16} {'SME share':>10}",
    ]
    for p in report["points"]:
        lines.append(
            f"{p['n']:>4} {p['recall']:>7.1%} {p['alerts_per_vendor_week']:>17.3f} "
            f"{p['alerts_per_vendor_week_p90']:>6.2f} {p['alerts_per_vendor_week_max']:>6.1f} "
            f"{p['vendors_alerted']:>16} {p['sme_share_of_alerts']:>10.1%}"
        )
    return "\n".join(lines)


def _synthetic(seed: int, folder: Path) -> Path:
    path = folder / f"synth-{seed}.jsonl"
    with path.open("w") as handle:
        for row in generate(seed=seed):
            handle.write(json.dumps(row) + "\n")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m market.alerts.replay", description=__doc__)
    parser.add_argument("files", nargs="*", type=Path, help="award histories (JSON lines, OCDS)")
    parser.add_argument("--synth-seed", type=int, action="append", default=[])
    parser.add_argument("--n", default=",".join(map(str, DEFAULT_NS)), help="e.g. 1,3,5,10")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    try:
        ns = [int(part) for part in args.n.split(",") if part.strip()]
    except ValueError:
        parser.error("--n takes whole numbers separated by commas")
    if not ns or min(ns) < 1:
        parser.error("--n takes whole numbers of at least 1")
    if not args.files and not args.synth_seed:
        parser.error("name an award file or --synth-seed")
    reports: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        sources = [(str(p), p) for p in args.files]
        sources += [(f"synthetic seed {s}", _synthetic(s, Path(folder))) for s in args.synth_seed]
        for name, path in sources:
            skipped = Skipped()
            try:
                reports[name] = replay(load_awards(path, skipped), ns)
            except (OSError, ValueError) as exc:
                print(f"{name}: {exc}", file=sys.stderr)
                return 1
            if skipped:
                reports[name]["rows_left_out"] = len(skipped)
    if args.json:
        print(json.dumps(reports, indent=2))
    else:
        print("\n\n".join(format_report(name, report) for name, report in reports.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
