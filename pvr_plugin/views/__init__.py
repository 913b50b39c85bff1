"""Presentation: tear sheets, HTML factsheet, text formatting. Imports core, never the reverse."""
