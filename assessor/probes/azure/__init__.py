"""Azure: the probe (``probe.py``) and the mapping from Resource Graph rows to assets
(``resources.py``)."""

from assessor.probes.azure.probe import AzureProbe

__all__ = ["AzureProbe"]
