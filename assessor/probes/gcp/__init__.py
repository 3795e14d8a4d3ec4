"""Google Cloud: the probe (``probe.py``) and the mapping from Cloud Asset results to assets
(``resources.py``)."""

from assessor.probes.gcp.probe import GcpProbe

__all__ = ["GcpProbe"]
