"""Test algorithm for sweeps: fixed daily buys; can raise, call sys.exit, or kill its worker process."""
import os
import sys

from zipline.api import order, symbol

PARAMS = {"shares": 5, "mode": "ok"}


def initialize(context):
    if PARAMS["mode"] == "raise":
        raise RuntimeError("probe asked to fail")
    if PARAMS["mode"] == "exit":
        sys.exit(3)  # a failed run of its own, not the end of the worker
    if PARAMS["mode"] == "die":
        marker = os.environ.get("PVR_PROBE_DEATHS")
        if marker:  # count attempts, for the test
            with open(marker, "a") as fh:
                fh.write("died\n")
        os._exit(3)  # the whole worker process goes away
    context.stock = symbol("KO")


def handle_data(context, data):
    order(context.stock, PARAMS["shares"])
