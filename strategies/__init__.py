"""Example strategies of pvr-plugin (shipped as pvr_plugin.examples.strategies)."""
