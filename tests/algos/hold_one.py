"""Test algorithm: buy one stock on the first bar and hold it (no slippage, no commission)."""
from zipline.api import commission, order, set_commission, set_slippage, slippage, symbol

PARAMS = {"ticker": "KO", "weight": 0.9}


def initialize(context):
    set_slippage(slippage.FixedSlippage(spread=0.0))
    set_commission(commission.PerShare(cost=0.0, min_trade_cost=0.0))
    context.stock = symbol(PARAMS["ticker"])
    context.bought = False


def handle_data(context, data):
    if not context.bought:
        price = data.current(context.stock, "price")
        order(context.stock, int(PARAMS["weight"] * context.portfolio.cash / price))
        context.bought = True
