"""Tencent Cloud: the probe (``probe.py``) and the mapping from answers to assets
(``resources.py``)."""

from assessor.probes.tencent.probe import TencentProbe

__all__ = ["TencentProbe"]
