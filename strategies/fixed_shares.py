"""Buy a fixed number of shares of one stock every day.

What it shows for PvR: the trades do not depend on the capital base. With $10,000
the account runs deep into margin; with $10,000,000 most of the cash sits idle.
Returns (profit / starting capital) differ by orders of magnitude between the
two runs; PvR (profit / capital actually put to work) is identical.

    pvr run strategies/fixed_shares.py --capital-base 10000
    pvr run strategies/fixed_shares.py --capital-base 10000000
"""
from zipline.api import order, symbol

PARAMS = {"ticker": "AAPL", "shares_per_day": 10}


def initialize(context):
    context.stock = symbol(PARAMS["ticker"])


def handle_data(context, data):
    order(context.stock, PARAMS["shares_per_day"])
