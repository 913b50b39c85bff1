"""Minute-mode day trading: buy in the morning, flat before the close.

What it shows for PvR: every end-of-day snapshot is all cash, so end-of-day data
never shows the capital this strategy puts at risk each day. Run it in minute
mode; PvR's intraday tracking sees the morning's cash dip.

    pvr run strategies/intraday.py --data-frequency minute --start 2022-11-01 --end 2022-11-30
"""
from zipline.api import (
    date_rules, order_target, order_target_percent, schedule_function, symbol,
    time_rules,
)

PARAMS = {"tickers": ("AAPL", "MSFT", "JPM"), "weight_each": 0.4, "enter_minutes": 30, "exit_minutes": 30}


def initialize(context):
    context.stocks = [symbol(t) for t in PARAMS["tickers"]]
    schedule_function(enter, date_rules.every_day(), time_rules.market_open(minutes=PARAMS["enter_minutes"]))
    schedule_function(leave, date_rules.every_day(), time_rules.market_close(minutes=PARAMS["exit_minutes"]))


def enter(context, data):
    for stock in context.stocks:
        order_target_percent(stock, PARAMS["weight_each"])


def leave(context, data):
    for stock in context.stocks:
        order_target(stock, 0)
