"""The fair share's online rule: SME places bought where cheap, the long-run share always met."""

import math

import numpy as np
import pytest

from matching.fairness import (
    LIFT_PRICE,
    LIST_SLACK,
    PRICED_LIFT,
    ExposureLedger,
    fair_candidates,
    fair_count,
    fair_minimums,
    fair_order,
    lift_costs,
    merit_order,
)

DEPTH = 10


def costs_of(key: np.ndarray, sme: np.ndarray) -> tuple[int, np.ndarray]:
    """`lift_costs` of a list whose ids are 0..n-1, every vendor eligible."""
    ids = np.arange(len(key))
    return lift_costs(key, sme, fair_candidates(key, ids, np.ones(len(key), bool), sme, DEPTH))


def one_list(
    key: np.ndarray,
    sme: np.ndarray,
    share: float,
    ledger: ExposureLedger,
    price: float = PRICED_LIFT,
) -> np.ndarray:
    """Rank one list as `Index.rank` does (its ids are 0..n-1) and record it in the ledger."""
    ids = np.arange(len(key))
    eligible = np.ones(len(key), dtype=bool)
    candidates = fair_candidates(key, ids, eligible, sme, DEPTH)
    natural, costs = lift_costs(key, sme, candidates, DEPTH)
    minimums = fair_minimums(
        share, DEPTH, ledger.places, ledger.sme_places, natural=natural, costs=costs, price=price
    )
    order, _ = fair_order(key, ids, eligible, sme, minimums, DEPTH, candidates)
    ledger.record_ranking(order.tolist(), DEPTH, set(np.flatnonzero(sme).tolist()))
    return order


def cheap_list() -> tuple[np.ndarray, np.ndarray]:
    """One clear favourite, then a flat tail: SMEs from the 11th place on, every other place.
    Lifting them displaces vendors with little chance of winning."""
    key = np.concatenate([[10.0], 5.0 - 0.01 * np.arange(39)])
    sme = np.zeros(40, dtype=bool)
    sme[10::2] = True
    return key, sme


def dear_list() -> tuple[np.ndarray, np.ndarray]:
    """19 close contenders, then SMEs far below them: every SME lifted costs a likely winner."""
    key = np.concatenate([10.0 - 0.001 * np.arange(19), -0.001 * np.arange(21)])
    sme = np.zeros(40, dtype=bool)
    sme[19:] = True
    return key, sme


def test_a_list_where_smes_are_cheap_to_lift_gets_them_beyond_the_floor():
    key, sme = cheap_list()
    natural, costs = costs_of(key, sme)
    assert natural == 0 and len(costs) == DEPTH
    share = 0.3
    floor_only = fair_count(share, DEPTH, natural=natural)
    assert floor_only == 3
    assert fair_count(share, DEPTH, natural=natural, costs=costs) == 3  # off by default
    assert LIFT_PRICE == 0
    priced = fair_count(share, DEPTH, natural=natural, costs=costs, price=PRICED_LIFT)
    assert priced > floor_only  # the cheap SMEs come in and bank credit for dear lists
    # A dear list at the same ledger gets only its floor.
    dear_key, dear_sme = dear_list()
    n, dear_costs = costs_of(dear_key, dear_sme)
    assert fair_count(share, DEPTH, natural=n, costs=dear_costs, price=PRICED_LIFT) == 3
    # Banked credit lowers the price: after many cheap lists the same list lifts fewer.
    assert fair_count(share, DEPTH, 1000, 600, natural, costs, PRICED_LIFT) < priced


@pytest.mark.parametrize("price", [LIFT_PRICE, PRICED_LIFT])
def test_the_long_run_share_is_met_after_every_list_of_an_adversarial_sequence(price):
    share = 0.61
    rng = np.random.default_rng(7)
    ledger = ExposureLedger()
    # Cheap lists first bank credit, then a long run of dear ones, then a random mix.
    kinds = ["cheap"] * 20 + ["dear"] * 60 + list(rng.choice(["cheap", "dear"], 120))
    for kind in kinds:
        key, sme = cheap_list() if kind == "cheap" else dear_list()
        order = one_list(key, sme, share, ledger, price)
        # Never below the share over all recorded places, never far below it in one list.
        assert ledger.sme_places >= share * ledger.places - 1e-9
        assert sme[order].sum() >= math.ceil(share * DEPTH) - LIST_SLACK
    assert ledger.places == DEPTH * len(kinds)


def test_credit_is_spent_where_smes_are_dear():
    share = 0.61
    ledger = ExposureLedger()
    for _ in range(20):
        one_list(*cheap_list(), share, ledger)
    banked = ledger.sme_places - share * ledger.places
    assert banked > 0
    key, sme = dear_list()
    order = one_list(key, sme, share, ledger)
    assert sme[order].sum() < math.ceil(share * DEPTH)  # the dear list holds fewer than 7


def test_the_rule_is_deterministic():
    share = 0.5
    rng = np.random.default_rng(3)
    lists = []
    for _ in range(30):
        key = np.round(rng.normal(size=60), 1)  # ties on purpose
        sme = rng.random(60) < 0.5
        lists.append((key, sme))
    runs = []
    for _ in range(2):
        ledger = ExposureLedger()
        runs.append([one_list(key, sme, share, ledger).tolist() for key, sme in lists])
    assert runs[0] == runs[1]


def test_no_smes_and_no_share_lift_nothing():
    key = np.linspace(5.0, 1.0, 20)
    none = np.zeros(20, dtype=bool)
    natural, costs = costs_of(key, none)
    assert natural == 0 and len(costs) == 0
    assert fair_count(0.0, DEPTH, natural=0, costs=np.zeros(3), price=PRICED_LIFT) == 0
    flat = np.ones(20)
    sme = np.arange(20) % 2 == 1
    _, costs = costs_of(flat, sme)
    assert not costs.any()  # equal scores: lifting costs nothing


@pytest.mark.parametrize("seed", range(6))
def test_the_candidates_read_from_a_merit_prefix_are_the_ones_worked_out_from_every_row(seed):
    """`fair_order` hands its merit prefix to `fair_candidates`; whether the prefix holds the
    best SMEs (many SMEs, long prefix) or not (few SMEs, short prefix), the candidates and so
    the list are the same as from every row, ties on the key included."""
    rng = np.random.default_rng(seed)
    n = 400
    key = np.round(rng.normal(size=n), 1)  # many ties
    ids = rng.permutation(n) + 1000
    eligible = rng.random(n) < 0.9
    sme = rng.random(n) < (0.6 if seed % 2 else 0.03)
    whole = fair_candidates(key, ids, eligible, sme, DEPTH)
    assert len(whole) >= 2 * DEPTH - 4  # the eligible head of the list is there
    for length in (0, 5, 2 * DEPTH, 70, n):
        prefix = merit_order(key, ids, length)
        got = fair_candidates(key, ids, eligible, sme, DEPTH, prefix=prefix)
        assert got.tolist() == whole.tolist()
    minimums = fair_minimums(0.9, DEPTH)
    order, _ = fair_order(key, ids, eligible, sme, minimums, 50)
    assert order.tolist() == fair_order(key, ids, eligible, sme, minimums, 50, whole)[0].tolist()
    assert sme[order[:DEPTH]].sum() >= min(minimums[-1], (eligible & sme).sum())


@pytest.mark.parametrize("n", [1, 9, 80, 81, 1000, 5003])
def test_the_first_rows_by_merit_are_those_of_a_full_sort(n):
    """`merit_order` partitions only the rows above a bound taken from slice maxima: the
    first rows are those of sorting every row (key high first, then the lower id), with
    ties, equal keys everywhere, infinite keys and the best rows bunched in one slice."""
    rng = np.random.default_rng(n)
    ids = rng.permutation(n) + 7
    cases = [
        np.round(rng.normal(size=n), 1),
        np.zeros(n),
        np.where(rng.random(n) < 0.5, -np.inf, rng.normal(size=n)),
        np.concatenate([np.arange(n // 2, dtype=float) + 100, np.zeros(n - n // 2)]),
    ]
    for key in cases:
        full = np.lexsort((ids, -key))
        for top in (1, 10, 70, n - 1, n):
            if top >= 1:
                assert merit_order(key, ids, top).tolist() == full[:top].tolist()
