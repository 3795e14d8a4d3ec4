"""Huawei Cloud: the probe (``probe.py``)."""

from assessor.probes.huawei.probe import HuaweiProbe

__all__ = ["HuaweiProbe"]
