"""Research notebooks of pvr-plugin (shipped as pvr_plugin.examples.notebooks)."""
