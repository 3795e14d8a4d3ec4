"""The toy probe's contract test, against its loopback server: what every probe's tests
check (see CONTRIBUTING.md)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from toy_probe import ToyProbe
from toy_server import ToyApi, resource

from assessor.catalog import load_catalog
from assessor.models import GapReason
from assessor.probes.base import ReadOnlyViolation
from assessor.testing.probes import named, probe_config, scan
from assessor.testing.servers.base import Answer, Request, serving

TOKEN = ToyApi.token


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[ToyApi]:
    buckets = [resource(f"ocid1.bucket.oc1..{n}", f"bucket-{n}") for n in range(150)]
    served = ToyApi(
        {
            "us-ashburn-1": buckets,
            "ap-chuncheon-1": [resource("ocid1.bucket.oc1..kr", "kr-pii", **{"data-class": "pii"})],
        }
    )
    with serving(served) as url:
        monkeypatch.setenv("ASSESSOR_TOY_ENDPOINT", url)
        monkeypatch.setenv("TOY_TOKEN", TOKEN)
        yield served


REGIONS = "us-ashburn-1,ap-chuncheon-1"


def test_every_resource_across_pages_is_located_by_the_catalog(api: ToyApi) -> None:
    inventory = scan(ToyProbe, load_catalog(), regions=REGIONS)
    assert not inventory.gaps and len(inventory.assets) == 151
    korea = named(inventory, "kr-pii")
    assert korea.location is not None and korea.location.country == "KR"
    assert korea.classification == "pii"
    assert len(api.requests) == 3  # two pages in Ashburn, one in Chuncheon


def test_a_page_throttled_past_the_retries_keeps_the_pages_before_it(api: ToyApi) -> None:
    def second_page_throttled(request: Request) -> Answer | None:
        if request.query.get("page"):
            return Answer.of(429, {"code": "TooManyRequests", "message": "slow down"})
        return None

    api.fault = second_page_throttled
    inventory = scan(ToyProbe, load_catalog(), regions=REGIONS)
    assert len(inventory.assets) == 101  # page 1 in Ashburn, and Chuncheon
    (gap,) = inventory.gaps
    assert gap.reason is GapReason.THROTTLED and gap.region == "us-ashburn-1"
    assert gap.account == "ocid1.tenancy.oc1..toy" and "after page 1" in gap.message


def test_a_denied_region_is_a_gap_naming_it_and_the_others_are_read(api: ToyApi) -> None:
    def ashburn_denied(request: Request) -> Answer | None:
        if request.headers.get("x-toy-region") == "us-ashburn-1":
            return Answer.of(404, {"code": "NotAuthorizedOrNotFound", "message": "no"})
        return None

    api.fault = ashburn_denied
    inventory = scan(ToyProbe, load_catalog(), regions=REGIONS)
    assert [asset.name for asset in inventory.assets] == ["kr-pii"]
    (gap,) = inventory.gaps
    assert (gap.reason, gap.region) == (GapReason.ACCESS_DENIED, "us-ashburn-1")


def test_every_request_carries_the_token_and_a_write_is_refused_before_any_request(
    api: ToyApi,
) -> None:
    scan(ToyProbe, load_catalog(), regions="us-ashburn-1")
    assert {request.headers["authorization"] for request in api.requests} == {f"Bearer {TOKEN}"}
    before = len(api.requests)
    probe = ToyProbe(probe_config(regions="us-ashburn-1"))
    with pytest.raises(ReadOnlyViolation, match="toy:DeleteBucket"):
        probe._call("toy:DeleteBucket", "us-ashburn-1", None)
    assert len(api.requests) == before
