"""Does evidence from the code improve the ranking? Paired comparison on one award file.

    python -m matching.contributions_eval AWARDS CONTRIBUTIONS [--seed N]

Ranks every warm test award with the engine (hand-set weights, fair share on) three ways, on
the same split: without contribution histories, with them, and with them but without the
recency decay; and prints MRR, NDCG@10 and Hit@10 with the paired differences and their
bootstrap intervals. The histories come from `matching.synth --contributions-out`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections import Counter

import numpy as np

from matching.awards import load_awards
from matching.contributions import ContributionData, load_data
from matching.evaluate import Evaluation, metrics, paired_mrr, split_awards
from matching.types import DEFAULT_SETTINGS, Settings, Weights

FEW_WINS = 2


def compare(
    awards_path: str, data: ContributionData, seed: int = 0, settings: Settings = DEFAULT_SETTINGS
) -> dict[str, object]:
    split = split_awards(load_awards(awards_path))
    rng = np.random.default_rng(seed)
    off = dataclasses.replace(
        settings,
        weights=dataclasses.replace(
            settings.weights, contributed_product=0.0, contributed_tech=0.0
        ),
    )
    no_decay = dataclasses.replace(settings, contribution_half_life_months=1e9)
    runs = {
        "without": Evaluation(split, off, seed),
        "with": Evaluation(split, settings, seed, data),
        "with, no decay": Evaluation(split, no_decay, seed, data),
    }
    ranks = {name: run.engine()[0] for name, run in runs.items()}
    report: dict[str, object] = {"warm_test": len(split.warm), "candidates": len(split.suppliers)}
    for name, found in ranks.items():
        values = metrics(found)
        report[name] = {k: round(float(values[k].mean()), 4) for k in ("mrr", "ndcg@10", "hit@10")}
    report["with - without"] = paired_mrr(ranks["with"], ranks["without"], rng)
    report["with - no decay"] = paired_mrr(ranks["with"], ranks["with, no decay"], rng)
    # Where the code should matter most: winners with little award history in training.
    wins = Counter(award.supplier for award in split.train)
    few = np.asarray([wins[award.supplier] <= FEW_WINS for award in split.warm], dtype=bool)
    report[f"winners with at most {FEW_WINS} earlier wins"] = {
        "awards": int(few.sum()),
        "without mrr": round(float((1.0 / ranks["without"][few]).mean()), 4) if few.any() else 0.0,
        "with - without": paired_mrr(ranks["with"][few], ranks["without"][few], rng),
    }
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m matching.contributions_eval", description=__doc__
    )
    parser.add_argument("awards")
    parser.add_argument("contributions")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--weight", type=float, default=None, help="contributed_product weight")
    args = parser.parse_args(argv)
    settings = DEFAULT_SETTINGS
    if args.weight is not None:
        weights: Weights = dataclasses.replace(settings.weights, contributed_product=args.weight)
        settings = dataclasses.replace(settings, weights=weights)
    try:
        report = compare(args.awards, load_data(args.contributions), args.seed, settings)
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"matching.contributions_eval: {exc}\n")
        return 2
    sys.stdout.write(json.dumps(report) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
