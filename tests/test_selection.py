"""Ranking and selection (procedure KN) on synthetic normal systems, checked against its guarantee.

Every sampler here draws whole rows of a normal table: replication r of every system shares one common
shock (weight ``rho``), as common random numbers would give, so the same (system, rep) always has the same
value however the procedure asks for it. The sampler refuses to be asked twice for the same observation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from twin.plan.selection import Selection, describe, kn_h2, select_best


class Normal:
    """Systems with ``means``, marginal sd ``sd`` and within-replication correlation ``rho``."""

    def __init__(self, means, sd=1.0, rho=0.0, seed=0, rows=2000):
        rng = np.random.default_rng(seed)
        common = rng.standard_normal((rows, 1))
        own = rng.standard_normal((rows, len(means)))
        self.table = np.asarray(means) + sd * (math.sqrt(rho) * common + math.sqrt(1 - rho) * own)
        self.asked: set[tuple[int, int]] = set()

    def __call__(self, systems, first_rep, n):
        for s in systems:
            for r in range(first_rep, first_rep + n):
                assert (s, r) not in self.asked, f"asked twice for system {s}, replication {r}"
                self.asked.add((s, r))
        return self.table[first_rep : first_rep + n][:, list(systems)]


class Table:
    """Systems whose observations are given row by row (replication by replication)."""

    def __init__(self, rows):
        self.rows = rows

    def __call__(self, systems, first_rep, n):
        return [[self.rows[r][s] for s in systems] for r in range(first_rep, first_rep + n)]


def test_kn_constant_matches_the_setup_formula_by_hand():
    # k=2, alpha=0.05, n0=5: eta = ((0.1)**-0.5 - 1) / 2 = 1.0811, h2 = 2 * eta * 4 = 8.6491
    assert kn_h2(2, 0.05, 5) == pytest.approx(8.6491, abs=1e-4)
    # k=4, alpha=0.05, n0=3: eta = ((0.1/3)**-1 - 1) / 2 = 14.5, h2 = 58
    assert kn_h2(4, 0.05, 3) == pytest.approx(58.0)


def test_elimination_follows_the_continuation_region_computed_by_hand():
    # n0=3, k=2, alpha=0.05: h2 = 18. Differences X1 - X0 over the first stage: 1, 2, 3 -> S2 = 1, mean 2.
    # delta=1: W(3) = 1/6 * (18 - 3) = 2.5 > 2, both go on; 4th difference 2 -> mean 2 > W(4) = 14/8 = 1.75.
    rows = [[0.0, 1.0], [0.0, 2.0], [0.0, 3.0], [0.0, 2.0], [0.0, 2.0]]
    chosen = select_best(Table(rows), 2, delta=1.0, n0=3, max_reps=5, batch=1)
    assert (chosen.best, chosen.separated, chosen.eliminated_at) == (1, True, [4, None])
    # delta=3: W(3) = 3/6 * (18/9 - 3) < 0 -> 0, so the first-stage means decide at once.
    chosen = select_best(Table(rows), 2, delta=3.0, n0=3, max_reps=5, batch=1)
    assert (chosen.best, chosen.eliminated_at, chosen.reps) == (1, [3, None], [3, 3])


def test_picks_the_clearly_better_system_and_stops_early():
    # The continuation region for a pair closes at N = h2 * S2 / delta**2 (about 111 here, var of a difference 2);
    # a gap of 2 * delta crosses a single pair's boundary near N / 5, so the race ends well inside N.
    horizon = kn_h2(3, 0.05, 5) * 2.0 / 0.5**2
    stops = []
    for seed in range(20):
        chosen = select_best(Normal([0.0, 0.0, 1.0], seed=seed), 3, delta=0.5, max_reps=150)
        assert chosen.best == 2 and chosen.separated and chosen.unseparated == []
        assert chosen.eliminated_at[2] is None
        stops.append(max(chosen.eliminated_at[:2]))
        assert chosen.means[2] == pytest.approx(1.0, abs=3 / math.sqrt(chosen.reps[2]))
    assert np.median(stops) < horizon / 2, (stops, horizon)


def test_common_random_numbers_end_the_race_sooner_than_independent_sampling():
    # Same marginal sd; rho=0.9 makes var(X_i - X_l) ten times smaller, so W_il and the race shrink.
    independent, common = [], []
    for seed in range(30):
        for rho, out in ((0.0, independent), (0.9, common)):
            chosen = select_best(Normal([0.0, 0.0, 1.0], rho=rho, seed=seed), 3, delta=0.5, max_reps=200)
            assert chosen.best == 2 and chosen.separated
            out.append(sum(chosen.reps))
    assert np.mean(common) < 0.5 * np.mean(independent), (np.mean(common), np.mean(independent))


def test_two_equal_systems_are_reported_unseparated_at_the_budget():
    # delta small against the noise (sd 1, delta 0.1): W(40) is about 2.1 while the mean difference has sd 0.22,
    # so 40 replications cannot settle it and both must be reported.
    chosen = select_best(Normal([5.0, 5.0], seed=3), 2, delta=0.1, max_reps=40)
    assert not chosen.separated
    assert chosen.reps == [40, 40] and chosen.eliminated_at == [None, None]
    assert sorted([chosen.best, *chosen.unseparated]) == [0, 1]
    assert chosen.means[chosen.best] == max(chosen.means)
    sentence = describe(chosen, ["integration_first", "quick_wins"])
    assert "could not separate" in sentence and "within 40 replications" in sentence
    assert "integration_first" in sentence and "quick_wins" in sentence


@pytest.mark.parametrize("rho", [0.0, 0.5])
def test_probability_of_correct_selection_holds_in_the_slippage_configuration(rho):
    # k=4, best exactly delta above three equal others: KN's least favourable case; P(CS) >= 1 - alpha,
    # with independent sampling and with common random numbers.
    alpha, delta, macro = 0.05, 0.5, 200
    correct = 0
    for seed in range(macro):
        sampler = Normal([delta, 0.0, 0.0, 0.0], rho=rho, seed=1000 + seed)
        chosen = select_best(sampler, 4, delta=delta, alpha=alpha, n0=10, max_reps=2000, batch=4)
        assert chosen.separated
        correct += chosen.best == 0
    # One-sided binomial test of "P(CS) >= 0.95" at the 1% level.
    assert stats.binomtest(correct, macro, 1 - alpha, alternative="less").pvalue > 0.01, correct / macro


def test_batching_reaches_the_same_decision_as_one_replication_at_a_time():
    for seed in range(15):
        for means, rho in (([0.0, 0.2, 0.4, 0.5], 0.0), ([0.0, 0.0, 0.3], 0.6), ([1.0, 1.0], 0.0)):
            one = select_best(Normal(means, rho=rho, seed=seed), len(means), delta=0.3, max_reps=50, batch=1)
            for batch in (3, 8):
                many = select_best(Normal(means, rho=rho, seed=seed), len(means), delta=0.3, max_reps=50, batch=batch)
                assert (many.best, many.separated, many.unseparated, many.eliminated_at) == (
                    one.best,
                    one.separated,
                    one.unseparated,
                    one.eliminated_at,
                )
                assert all(m >= o for m, o in zip(many.reps, one.reps, strict=True))
                assert max(many.reps) <= 50


def test_zero_variance_difference_is_decided_on_the_means():
    base = Normal([0.0], seed=1).table[:, 0]
    rows = np.column_stack([base, base + 0.01, base]).tolist()
    chosen = select_best(Table(rows), 3, delta=0.5, n0=5, max_reps=20)
    # 1 is a constant 0.01 above 0 and 2: known exactly, eliminated at the first look although inside delta.
    assert chosen.best == 1 and chosen.separated and chosen.eliminated_at == [5, None, 5]


def test_identical_systems_are_never_split():
    base = Normal([0.0], seed=1).table[:20, 0]
    chosen = select_best(Table(np.column_stack([base, base]).tolist()), 2, delta=0.5, max_reps=20)
    assert (chosen.best, chosen.unseparated, chosen.separated) == (0, [1], False)


def test_one_system_is_trivially_separated():
    chosen = select_best(Normal([3.0], seed=0), 1, delta=1.0)
    assert (chosen.best, chosen.separated, chosen.unseparated, chosen.reps) == (0, True, [], [5])
    assert describe(chosen, ["only"]) == "only is the only path (5 replications)"


def test_separated_statement_names_zone_confidence_and_replications():
    chosen = Selection(2, 0.95, 50_000.0, True, [], [5, 7, 12], [1.0, 2.0, 3.0], [5, 7, None])
    assert describe(chosen, ["a", "b", "integration_first"]) == (
        "integration_first is within 50,000 CNY of the best path with 95 % confidence (KN, 12 replications)"
    )


def test_same_sampler_seed_gives_the_same_selection():
    def run():
        return select_best(Normal([0.0, 0.3, 0.35], rho=0.5, seed=7), 3, delta=0.2, max_reps=30)

    assert run() == run()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"delta": 0.0}, "delta"),
        ({"delta": -1.0}, "delta"),
        ({"delta": float("nan")}, "delta"),
        ({"delta": 1.0, "n0": 1}, "n0"),
        ({"delta": 1.0, "n0": 5, "max_reps": 4}, "max_reps"),
        ({"delta": 1.0, "alpha": 0.0}, "alpha"),
        ({"delta": 1.0, "alpha": 0.7}, "alpha"),
        ({"delta": 1.0, "batch": 0}, "batch"),
    ],
)
def test_bad_arguments_are_refused_with_the_field_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        select_best(Normal([0.0, 1.0, 2.0]), 3, **kwargs)


def test_bad_k_is_refused():
    with pytest.raises(ValueError, match="k"):
        select_best(Normal([0.0]), 0, delta=1.0)


@pytest.mark.parametrize("bad", [float("nan"), None, float("inf")])
def test_missing_or_non_finite_observation_is_refused(bad):
    rows = [[0.0, 1.0] for _ in range(10)]
    rows[3][1] = bad
    with pytest.raises(ValueError, match="system 1, replication 3"):
        select_best(Table(rows), 2, delta=1.0, max_reps=10)


def test_sampler_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match="shape"):
        select_best(lambda systems, first, n: np.zeros((n, 1)), 2, delta=1.0)


def test_describe_needs_one_name_per_system():
    chosen = select_best(Normal([0.0, 1.0]), 2, delta=1.0)
    with pytest.raises(ValueError, match="names"):
        describe(chosen, ["only_one"])
