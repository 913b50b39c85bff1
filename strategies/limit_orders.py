"""Bid for stocks with limit orders below the market; many never fill.

What it shows for PvR: the account stays mostly in cash (gross leverage well
below 1), so returns understate how well the capital that was used performed.
PvR divides by the capital actually spent.
"""
from zipline.api import get_open_orders, order_target_percent, symbol
from zipline.finance.execution import LimitOrder

PARAMS = {"tickers": ("KO", "PG", "JNJ", "PEP"), "discount": 0.02, "weight_each": 0.2}


def initialize(context):
    context.stocks = [symbol(t) for t in PARAMS["tickers"]]


def handle_data(context, data):
    for stock in context.stocks:
        if get_open_orders(stock) or context.portfolio.positions[stock].amount:
            continue
        limit = data.current(stock, "price") * (1 - PARAMS["discount"])
        order_target_percent(stock, PARAMS["weight_each"], style=LimitOrder(limit))
