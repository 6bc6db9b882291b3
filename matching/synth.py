"""Synthetic award history with known ground truth.

Vendors have latent specialities (topics over CPV codes, and niches inside a topic with their own
words), a latent quality and an SME flag. Each task comes from one topic niche; the winner is drawn
from a noisy true-fit model (speciality, niche, code closeness, quality, loyalty to earlier buyers)
plus a popularity bias: vendors that have already won win more (`popularity`), and large vendors
cover more topics and niches, so they fit more tasks. `large_reach` adds a hidden advantage of
large vendors on top of that (0 by default; 1.2 is the harsher market used as a stress test, where
small vendors are 63% of the pool but win only 10-17% of the later awards). The engine never sees
the latent variables, only the awards written out as JSON lines.

    python -m matching.synth --vendors 400 --awards 3000 --seed 1 --out var/synth.jsonl
    python -m matching.synth --seed 1 --large-reach 1.2 --out var/stress.jsonl
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from dataclasses import dataclass

import numpy as np

from matching.contributions import synthetic_histories, synthetic_product

# (CPV code, words). Children share the parent's first digits, so the hierarchy is real CPV.
TOPICS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "case management software": (
        ("48000000", "48100000", "48200000", "48300000"),
        ("sagsbehandling", "case", "workflow", "journal", "dokumenter", "esdh", "arkiv"),
    ),
    "web development": (
        ("72200000", "72212000", "72212100", "72413000"),
        ("website", "frontend", "drupal", "cms", "design", "accessibility", "hjemmeside"),
    ),
    "integration": (
        ("72220000", "72227000", "72212310", "72260000"),
        ("integration", "api", "serviceplatformen", "rest", "soap", "broker", "datafordeler"),
    ),
    "hosting": (
        ("72400000", "72410000", "72415000", "72514000"),
        ("hosting", "drift", "server", "backup", "kubernetes", "cloud", "monitoring"),
    ),
    "security": (
        ("72600000", "72611000", "48730000", "72150000"),
        ("sikkerhed", "security", "pentest", "gdpr", "iso27001", "audit", "firewall"),
    ),
    "data and bi": (
        ("72300000", "72310000", "72316000", "48610000"),
        ("data", "dashboard", "analytics", "warehouse", "rapportering", "bi", "statistik"),
    ),
    "identity": (
        ("72250000", "48810000", "72254000", "72253000"),
        ("login", "mitid", "identity", "adgang", "rettigheder", "sso", "brugerstyring"),
    ),
    "consulting": (
        ("79400000", "79410000", "79411000", "72221000"),
        ("rådgivning", "strategi", "consulting", "forandring", "analyse", "business", "proces"),
    ),
    "training": (
        ("80500000", "80533100", "79632000", "80510000"),
        ("kursus", "training", "undervisning", "elearning", "workshop", "kompetence", "learning"),
    ),
    "geodata": (
        ("71354000", "72319000", "48326000", "71355000"),
        ("gis", "kort", "geodata", "matrikel", "mapping", "landmåling", "qgis"),
    ),
    "translation and communication": (
        ("79530000", "79340000", "79822500", "79416000"),
        ("oversættelse", "kommunikation", "tekst", "kampagne", "grafisk", "translation", "pr"),
    ),
    "construction": (
        ("45000000", "45210000", "45233140", "45453000"),
        ("byggeri", "renovering", "construction", "asfalt", "vej", "bygning", "entreprise"),
    ),
    "cleaning": (
        ("90900000", "90910000", "90919200", "90610000"),
        ("rengøring", "cleaning", "vinduespudsning", "facility", "kontor", "hygiejne", "service"),
    ),
    "health it": (
        ("48814000", "72212180", "85100000", "48180000"),
        ("sundhed", "patient", "omsorg", "care", "borger", "pleje", "health"),
    ),
}
GENERIC = (
    "kommune", "opgave", "levering", "projekt", "system", "løsning", "implementering",
    "support", "the", "and", "for", "of", "municipality", "services", "contract", "udvikling",
    "vedligehold", "leverandør", "os2", "borgere", "digital", "platform", "nye", "med", "til",
)  # fmt: skip
NICHES = 3
NICHE_WORDS = 6
SYLLABLES = ("ka", "lo", "mi", "ser", "tor", "vin", "da", "rup", "sen", "el", "ba", "nor", "fi")


@dataclass
class _Vendor:
    key: str
    name: str
    sme: bool
    topics: list[int]
    niches: set[tuple[int, int]]
    codes: dict[int, list[str]]
    quality: float
    reach: float


def _pseudo_word(rng: np.random.Generator) -> str:
    return "".join(rng.choice(SYLLABLES, size=int(rng.integers(3, 5))))


def _make_vendors(rng: np.random.Generator, count: int, large_reach: float) -> list[_Vendor]:
    vendors = []
    topic_popularity = rng.dirichlet(np.full(len(TOPICS), 2.0))
    for i in range(count):
        sme = bool(rng.random() < 0.7)
        n_topics = int(rng.integers(1, 3)) if sme else int(rng.integers(2, 5))
        topics = [int(t) for t in rng.choice(len(TOPICS), n_topics, False, p=topic_popularity)]
        niches = {(t, int(rng.integers(NICHES))) for t in topics}
        if not sme:
            niches |= {(t, int(rng.integers(NICHES))) for t in topics}
        codes = {t: list(rng.choice(list(TOPICS.values())[t][0], 2, replace=False)) for t in topics}
        vendors.append(
            _Vendor(
                key=f"S{i:05d}",
                name=f"{_pseudo_word(rng).title()} {'ApS' if sme else 'A/S'}",
                sme=sme,
                topics=topics,
                niches=niches,
                codes=codes,
                quality=float(rng.normal()),
                reach=float(rng.normal(large_reach if not sme else 0.0, 0.5)),
            )
        )
    return vendors


def generate(
    vendors: int = 400,
    awards: int = 3000,
    seed: int = 1,
    large_reach: float = 0.0,
    popularity: float = 0.35,
    contributions: dict[str, object] | None = None,
) -> list[dict[str, object]]:
    """Award rows in the evaluation's JSON-lines format, sorted by date.

    Pass a dict as `contributions` to get synthetic commit histories beside the awards (see
    `matching.contributions.synthetic_histories`); the awards themselves stay the same."""
    rng = np.random.default_rng(seed)
    topic_names = list(TOPICS)
    niche_vocab = {
        (t, k): [_pseudo_word(rng) for _ in range(NICHE_WORDS)]
        for t in range(len(TOPICS))
        for k in range(NICHES)
    }
    pool = _make_vendors(rng, vendors, large_reach)
    buyers = [f"kommune-{i:02d}" for i in range(60)]
    wins = np.zeros(len(pool))
    start = dt.date(2022, 1, 1)
    quality = np.array([v.quality for v in pool])
    reach = np.array([v.reach for v in pool])
    # Membership tables, so that each award scores every vendor without a Python loop.
    topic_of = np.zeros((len(pool), len(TOPICS)))
    niche_of = np.zeros((len(pool), len(TOPICS), NICHES))
    all_codes = sorted({c for codes, _words in TOPICS.values() for c in codes})
    code_of = np.zeros((len(pool), len(TOPICS), len(all_codes)))
    for i, v in enumerate(pool):
        topic_of[i, v.topics] = 1.0
        for t, k in v.niches:
            niche_of[i, t, k] = 1.0
        for t, codes in v.codes.items():
            code_of[i, t, [all_codes.index(c) for c in codes]] = 1.0
    loyalty = np.zeros((len(pool), len(buyers)))
    rows: list[dict[str, object]] = []
    award_products: dict[str, list[str]] = {}  # for the contribution histories
    for a in range(awards):
        holder = pool[int(rng.integers(len(pool)))]  # tasks follow where vendors are
        topic = int(rng.choice(holder.topics)) if rng.random() < 0.8 else int(rng.integers(14))
        niche = int(rng.integers(NICHES))
        codes_pool, words = TOPICS[topic_names[topic]]
        code = str(rng.choice(codes_pool))
        buyer = str(rng.choice(buyers))
        b = buyers.index(buyer)
        in_topic = topic_of[:, topic]
        in_niche = niche_of[:, topic, niche]
        has_code = code_of[:, topic, all_codes.index(code)]
        fit = 3.0 * in_topic + 1.2 * in_niche + 0.6 * has_code + 0.5 * quality + loyalty[:, b]
        bias = 0.6 * reach + popularity * np.log1p(wins)
        winner = int(np.argmax(fit + bias + rng.gumbel(size=len(pool))))
        wins[winner] += 1
        loyalty[winner, b] = 1.0
        vendor = pool[winner]
        title_words = [*rng.choice(words, 2), *rng.choice(niche_vocab[(topic, niche)], 1)]
        body = [
            *rng.choice(words, int(rng.integers(3, 7))),
            *rng.choice(niche_vocab[(topic, niche)], int(rng.integers(1, 4))),
            *rng.choice(GENERIC, int(rng.integers(6, 14))),
            *rng.choice(list(TOPICS.values())[int(rng.integers(14))][1], 2),  # noise
        ]
        rng.shuffle(body)
        codes = [code] if rng.random() < 0.8 else [code[:3].ljust(8, "0")]
        award_products[f"A{a:06d}"] = [synthetic_product(topic, niche)]
        rows.append(
            {
                "id": f"A{a:06d}",
                "date": (start + dt.timedelta(days=int(a * 730 / awards))).isoformat(),
                "title": " ".join(title_words).capitalize(),
                "description": " ".join(body),
                "codes": codes,
                "buyer": buyer,
                "supplier": vendor.key,
                "supplier_name": vendor.name,
                "supplier_sme": vendor.sme,
                "value": round(float(rng.lognormal(12, 1)), 2),
            }
        )
    if contributions is not None:
        contributions["awards"] = award_products
        specialities = [(v.key, v.niches) for v in pool]
        contributions["vendors"] = synthetic_histories(
            specialities, len(TOPICS), NICHES, start, seed
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m matching.synth", description=__doc__)
    parser.add_argument("--vendors", type=int, default=400)
    parser.add_argument("--awards", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--large-reach",
        type=float,
        default=0.0,
        help="hidden advantage of large vendors in winning (default 0; 1.2 = stress test)",
    )
    parser.add_argument(
        "--popularity", type=float, default=0.35, help="rich-get-richer weight of earlier wins"
    )
    parser.add_argument("--out", default="-", help="output file (default: stdout)")
    parser.add_argument(
        "--contributions-out", default=None, help="also write synthetic commit histories here"
    )
    args = parser.parse_args(argv)
    extra: dict[str, object] | None = {} if args.contributions_out else None
    rows = generate(args.vendors, args.awards, args.seed, args.large_reach, args.popularity, extra)
    if extra is not None:
        with open(args.contributions_out, "w", encoding="utf-8") as handle:
            json.dump(extra, handle)
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    if args.out == "-":
        sys.stdout.write(lines)
    else:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(lines)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
