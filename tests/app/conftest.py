"""Fixtures of the app tests: one real Chromium for the session."""
from tests.app.live import browser  # noqa: F401
