"""Test algorithm: fixed share counts long and short every day (capital-independent trades)."""
from zipline.api import order, symbol


def initialize(context):
    context.long, context.short = symbol("AAPL"), symbol("XOM")


def handle_data(context, data):
    order(context.long, 7)
    order(context.short, -5)
