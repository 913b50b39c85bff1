"""The `pvr` command line."""
