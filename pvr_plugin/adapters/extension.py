"""zipline extension: makes the ``pvr-demo`` bundle and ``pvr`` metrics sets known.

zipline's CLI loads ``$ZIPLINE_ROOT/extension.py`` on every start; ``pvr ingest``
adds ``import pvr_plugin.adapters.extension`` there (or pass
``zipline -e <this file> run ...``). Importing only registers names; the bundle
is ingested by ``pvr ingest`` or on first use by ``pvr run``.
"""
from pvr_plugin.adapters.bundle import register_bundle
from pvr_plugin.adapters.metric import register_metrics_sets

register_bundle()
register_metrics_sets()
