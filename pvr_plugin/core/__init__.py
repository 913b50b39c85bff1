"""Pure numeric core: numpy and pandas only, never zipline."""
