"""Connections to zipline-reloaded: bundle, in-algorithm tracker, metrics set, runner."""
