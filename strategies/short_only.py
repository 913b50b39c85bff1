"""Hold short positions only, resized at each month start.

What it shows for PvR: a short sale raises cash, so cash never dips and a
cash-only risk measure would report zero capital at risk. PvR counts the short
book as risk, so max risk is positive and PvR finite.
"""
from zipline.api import (
    date_rules, order_target_percent, schedule_function, symbol, time_rules,
)

PARAMS = {"tickers": ("GE", "BBY", "RRC"), "weight_each": -0.2}


def initialize(context):
    context.stocks = [symbol(t) for t in PARAMS["tickers"]]
    schedule_function(rebalance, date_rules.month_start(), time_rules.market_open(minutes=30))


def rebalance(context, data):
    for stock in context.stocks:
        order_target_percent(stock, PARAMS["weight_each"])
