"""Fixtures of the app tests: one real Chromium per test module."""
from tests.app.live import browser  # noqa: F401
