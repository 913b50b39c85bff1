"""Parameter sweeps: many backtests of one algorithm, in parallel on Dask, resumable."""
