"""The kit every index probe (Alibaba, Tencent, Huawei, Google Cloud, Azure) is built from.

A probe declares its index listing (operation, page tokens, page size, pace), its depth
reads (per bucket, per database), its error table (provider code → reason, with where each
code is defined) and its credentials; the kit does the rest the same way for every cloud:

* ``calls``: a client that exposes only declared operations (anything else is refused
  before a request is built), pacing, retries, and a fault raised as a :class:`FaultError`;
* ``errors``: error tables, matched by code and status, never by message text;
* ``listing``: the one paging loop; a page that fails after its retries keeps every page
  before it and is one gap saying how far the listing got;
* ``depth``: bucket and database reads that keep their asset when they fail, with a gap
  naming the resource and its account;
* ``credentials`` and ``options``: access keys as each provider's tools keep them, and the
  options every index probe takes.
"""

from assessor.probes.live.calls import Fault, FaultError, GuardedClient, Pacer, call
from assessor.probes.live.credentials import KeySource
from assessor.probes.live.depth import (
    BucketReader,
    bucket_asset,
    read_buckets,
    with_buckets,
    with_copies,
)
from assessor.probes.live.errors import (
    ABSENT,
    Code,
    ErrorTable,
    denied,
    not_enabled,
    throttled,
    transient,
)
from assessor.probes.live.listing import Listing, Reading, read_pages, split
from assessor.probes.live.options import (
    attempts_option,
    endpoint,
    endpoint_option,
    regions_option,
)

__all__ = [
    "ABSENT",
    "BucketReader",
    "Code",
    "ErrorTable",
    "Fault",
    "FaultError",
    "GuardedClient",
    "KeySource",
    "Listing",
    "Pacer",
    "Reading",
    "attempts_option",
    "bucket_asset",
    "call",
    "denied",
    "endpoint",
    "endpoint_option",
    "not_enabled",
    "read_buckets",
    "read_pages",
    "regions_option",
    "split",
    "throttled",
    "transient",
    "with_buckets",
    "with_copies",
]
