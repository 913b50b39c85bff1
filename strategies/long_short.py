"""Weekly dollar-neutral long/short on trailing momentum, built with Pipeline.

What it shows for PvR: half of the book is short, so the capital at risk is the
short book as much as the cash spent. PvR's risk counts the larger of the cash
dip and the short value, so shorting is not "free" as it looks in returns.
"""
from zipline.api import (
    attach_pipeline, date_rules, order_target_percent, pipeline_output,
    schedule_function, time_rules,
)
from zipline.pipeline import Pipeline
from zipline.pipeline.factors import Returns

PARAMS = {"lookback": 126, "n_per_side": 4, "gross": 1.0, "rebalance": "weekly"}


def initialize(context):
    momentum = Returns(window_length=PARAMS["lookback"])
    attach_pipeline(Pipeline(columns={"momentum": momentum}), "momentum")
    rule = date_rules.week_start() if PARAMS["rebalance"] == "weekly" else date_rules.month_start()
    schedule_function(rebalance, rule, time_rules.market_open(minutes=30))


def rebalance(context, data):
    scores = pipeline_output("momentum")["momentum"].dropna().sort_values()
    n = PARAMS["n_per_side"]
    if len(scores) < 2 * n:
        return
    weight = PARAMS["gross"] / (2 * n)
    longs, shorts = set(scores.index[-n:]), set(scores.index[:n])
    for asset in context.portfolio.positions:
        if asset not in longs and asset not in shorts and data.can_trade(asset):
            order_target_percent(asset, 0)
    for asset in longs:
        order_target_percent(asset, weight)
    for asset in shorts:
        order_target_percent(asset, -weight)
