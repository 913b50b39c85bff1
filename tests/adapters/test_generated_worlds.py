"""Differential test: pvr() and the pvr metrics set against context.portfolio, on generated worlds.

Each example is a small bundle made with ``ingest_frames`` (a few assets over six
sessions of minute bars around Thanksgiving 2021, early close included) with
random listing and delisting sessions, minutes and whole sessions without
trades, splits, cash dividends paid on their pay date and thin volume, plus a
random order stream (market, limit and target orders, long and short, cancels;
commissions with a minimum, per trade or per dollar; optional cancel at the
close). The same stream runs in minute and in daily mode; every bar's cash,
long and short values and every session's extremes must equal a reader of
``context.portfolio`` / ``context.account`` after every bar.

Examples: ``PVR_WORLD_EXAMPLES`` (default 100, about 3 minutes of one core;
the suite's CI budget sets it), fixed seed for CI. A long run, new random worlds each time::

    PVR_WORLD_EXAMPLES=3000 PVR_WORLD_RANDOM=1 python -m pytest -q tests/adapters/test_generated_worlds.py
"""
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.worlds import COMMISSIONS, SESSIONS, Asset, Order, World, check_run, ingest_world, run_world

pytestmark = pytest.mark.usefixtures("zipline_root")
N_SESSIONS = len(SESSIONS)
EXAMPLES = int(os.environ.get("PVR_WORLD_EXAMPLES", "100"))
RANDOM = os.environ.get("PVR_WORLD_RANDOM", "") not in ("", "0")


@st.composite
def assets(draw):
    first = draw(st.integers(0, N_SESSIONS - 2))
    last = draw(st.integers(first + 1, N_SESSIONS - 1))
    session = st.integers(first, last)
    return Asset(
        first=first, last=last,
        price=draw(st.sampled_from([4.0, 25.0, 90.0, 400.0])),
        volume=draw(st.sampled_from([15, 150, 3000])),
        trade_prob=draw(st.sampled_from([0.05, 0.4, 0.95])),
        gaps=tuple(draw(st.lists(session, max_size=2))),
        split=draw(st.none() | st.tuples(session, st.sampled_from([2.0, 3.0, 0.5, 1.5]))),
        dividend=draw(st.none() | st.tuples(session, st.sampled_from([0.004, 0.03]), st.integers(0, 3))),
        seed=draw(st.integers(0, 2**16)),
    )


@st.composite
def orders(draw, n_assets):
    kind = draw(st.sampled_from(["market", "market", "limit", "target", "target", "cancel"]))
    if kind == "target":
        amount = draw(st.sampled_from([-1.2, -0.5, -0.1, 0.0, 0.3, 0.9, 1.5]))
    else:
        amount = draw(st.sampled_from([-2500, -300, -7, 5, 400, 3000]))
    return Order(
        session=draw(st.integers(0, N_SESSIONS - 1)),
        minute=draw(st.sampled_from([0, 1, 2, 17, 100, 209, 210, 388, 389])),
        kind=kind, asset=draw(st.integers(0, n_assets - 1)), amount=amount,
        offset=draw(st.sampled_from([-0.004, 0.0, 0.003])),
    )


@st.composite
def scenarios(draw):
    world = World(assets=tuple(draw(st.lists(assets(), min_size=1, max_size=4))))
    stream = draw(st.lists(orders(len(world.assets)), min_size=1, max_size=12))
    return world, stream, draw(st.sampled_from(sorted(COMMISSIONS))), draw(st.booleans())


@settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scenarios())
def test_rebuild_equals_portfolio_reader_on_generated_worlds(scenario):
    world, stream, commission_model, eod_cancel = scenario
    ingest_world(world)
    for frequency in ("minute", "daily"):
        perf, ref, metric = run_world(world, stream, frequency, commission_model=commission_model,
                                      eod_cancel=eod_cancel)
        check_run(perf, ref, metric, where=frequency)
