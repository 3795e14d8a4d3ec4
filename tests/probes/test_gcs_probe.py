"""The GCS probe against gcp-storage-emulator over HTTP."""

from __future__ import annotations

import pytest
from google.auth.credentials import AnonymousCredentials

from assessor.catalog import Catalog
from assessor.demo.estate import DemoGcsBucket, seed_gcs
from assessor.models import GapReason, KeyCustody, LocationScope
from assessor.probes.base import ReadOnlyViolation
from assessor.probes.gcs import GcsProbe, ReadOnlySession
from assessor.testing.emulators import pointed_at
from assessor.testing.faultproxy import fault_proxy, json_error
from assessor.testing.probes import scan

KEY = "projects/acme/locations/europe-west3/keyRings/r/cryptoKeys/k"


def test_buckets_with_location_labels_key_and_access(gcs: str, catalog: Catalog) -> None:
    seed_gcs(
        (
            DemoGcsBucket("acme-frankfurt", "EUROPE-WEST3", {"data-class": "pii"}, kms_key=KEY),
            DemoGcsBucket("acme-hk", "ASIA-EAST2", public_access_prevention="inherited"),
            DemoGcsBucket("acme-dual", "EUR4"),
            DemoGcsBucket("acme-nowhere", "MARS-NORTH1"),
        ),
        project="acme",
    )
    assets = {a.name: a for a in scan(GcsProbe, catalog, project="acme").assets}

    frankfurt = assets["acme-frankfurt"]
    assert frankfurt.id == "//storage.googleapis.com/projects/_/buckets/acme-frankfurt"
    assert frankfurt.account == "acme"
    assert frankfurt.region == "europe-west3"
    assert frankfurt.location is not None and frankfurt.location.country == "DE"
    assert frankfurt.classification == "pii"
    assert frankfurt.public_access_blocked is True
    assert frankfurt.encryption is not None
    assert frankfurt.encryption.custody is KeyCustody.CUSTOMER_MANAGED
    assert frankfurt.encryption.key_region == "europe-west3"

    hong_kong = assets["acme-hk"]
    assert hong_kong.location is not None and hong_kong.location.country == "HK"
    assert hong_kong.public_access_blocked is False
    assert hong_kong.encryption is not None
    assert hong_kong.encryption.custody is KeyCustody.PROVIDER_MANAGED

    dual = assets["acme-dual"].location
    assert dual is not None and dual.scope is LocationScope.DUAL_REGION
    assert dual.countries == ("FI", "NL") and dual.country is None

    nowhere = assets["acme-nowhere"].location
    assert nowhere is not None and nowhere.known is False


def test_denied_project_is_a_gap_and_other_projects_still_scanned(
    gcs: str, catalog: Catalog
) -> None:
    seed_gcs((DemoGcsBucket("shared-bucket", "US"),), project="open")

    def rule(request):  # type: ignore[no-untyped-def]
        if "project=locked" in request.path:
            return json_error(403, "caller does not have storage.buckets.list access")
        return None

    with fault_proxy(gcs, rule) as proxy, pointed_at(None, proxy):
        inventory = scan(GcsProbe, catalog, project=("locked", "open"))
    assert [g.reason for g in inventory.gaps] == [GapReason.ACCESS_DENIED]
    assert inventory.gaps[0].account == "locked"
    assert {a.account for a in inventory.assets} == {"open"}


def test_no_project_is_a_gap(gcs: str, catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    inventory = scan(GcsProbe, catalog)
    assert inventory.assets == ()
    assert inventory.gaps[0].reason is GapReason.ERROR
    assert "--gcs-project" in inventory.gaps[0].message


def test_the_probe_transport_refuses_writes(gcs: str) -> None:
    session = ReadOnlySession(AnonymousCredentials())
    assert session.request("GET", f"{gcs}/storage/v1/b?project=x").status_code == 200
    with pytest.raises(ReadOnlyViolation, match="POST"):
        session.request("POST", f"{gcs}/storage/v1/b?project=x", json={"name": "made-by-probe"})
    listed = session.request("GET", f"{gcs}/storage/v1/b?project=x").json()
    assert "made-by-probe" not in str(listed)
