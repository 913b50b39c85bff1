"""pvr-plugin: Profit vs Risk for zipline-reloaded."""
