"""Alibaba Cloud: the probe (``probe.py``), the mapping from answers to assets
(``resources.py``) and the generic RPC client for products without an SDK (``rpc.py``)."""

from assessor.probes.alibaba.probe import AlibabaProbe

__all__ = ["AlibabaProbe"]
