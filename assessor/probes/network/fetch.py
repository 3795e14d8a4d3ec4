"""``assessor data fetch iptoasn``: the current IPtoASN file, for a user who is online.

The audit itself never calls out; this is the one step that does, run when the user asks.
The download is bounded, checked (gzip, and its first line an IPtoASN range) and written
atomically, so a failed or hostile download leaves no half file behind.
"""

from __future__ import annotations

import urllib.error
import urllib.request
import zlib
from pathlib import Path

from assessor.errors import ConfigurationError
from assessor.output import write_atomic

IPTOASN_URL = "https://iptoasn.com/data/ip2asn-combined.tsv.gz"
MAX_DOWNLOAD = 256 * 1024 * 1024  # the file is about 8 MB packed


def fetch_iptoasn(output: Path, url: str = IPTOASN_URL, timeout: float = 60.0) -> int:
    """Download the IPtoASN file to ``output``; returns its size in bytes."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - http(s) only
            data = response.read(MAX_DOWNLOAD + 1)
    except (urllib.error.URLError, OSError) as error:
        raise ConfigurationError(f"cannot download {url}: {error}") from None
    if len(data) > MAX_DOWNLOAD:
        raise ConfigurationError(f"{url} sent more than {MAX_DOWNLOAD:,} bytes")
    try:
        head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, 4096)
    except zlib.error:
        raise ConfigurationError(f"{url} did not send a gzip file") from None
    first = head.split(b"\n", 1)[0].split(b"\t")
    if len(first) < 3 or not first[2].strip().isdigit():
        raise ConfigurationError(f"{url} did not send IPtoASN ranges (start, end, AS, ...)")
    write_atomic(output, data)
    return len(data)
