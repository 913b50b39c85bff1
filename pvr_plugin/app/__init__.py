"""Interactive apps served by Voila."""
