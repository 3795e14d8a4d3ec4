"""Options the alibaba, tencent and huawei probes share: the account's site decides the API
domain, and ``--<probe>-regions`` narrows which buckets' replication is read without ever
dropping a bucket whose location is known."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assessor.catalog import Catalog
from assessor.errors import ConfigurationError, InputError
from assessor.inventory import run_probes
from assessor.models import GapReason
from assessor.probes.base import ProbeConfig, load_probe
from assessor.probes.tencent import TencentProbe
from assessor.testing.servers.base import serving
from assessor.testing.servers.tencent import TencentApi


def test_each_site_reaches_its_own_api_domain() -> None:
    from huaweicloudsdkcore.auth.credentials import GlobalCredentials
    from huaweicloudsdkrms.v1 import RmsClient

    from assessor.probes.alibaba import probe as alibaba
    from assessor.probes.huawei import probe as huawei
    from assessor.probes.tencent import probe as tencent

    assert alibaba._resource_center(("a", "b", None), None, "intl")._endpoint == (
        "resourcecenter-intl.aliyuncs.com"
    )
    assert (
        alibaba._resource_center(("a", "b", None), None, "cn")._endpoint
        == "resourcecenter.aliyuncs.com"
    )
    api = tencent._Api("a", "b", None, "ap-guangzhou", 1, tencent.SITES["intl"])
    assert api._profile("config").httpProfile.endpoint == "config.intl.tencentcloudapi.com"
    rms, obs = huawei.SITES["eu"]
    client = (
        RmsClient.new_builder()
        .with_credentials(GlobalCredentials("a", "b", "d"))
        .with_endpoints([rms])
        .build()
    )
    assert client._endpoints == ["https://rms.myhuaweicloud.eu"] and obs.endswith(".eu")
    for probe, site in ((alibaba.AlibabaProbe, "moon"), (tencent.TencentProbe, "moon")):
        with pytest.raises(Exception, match="unknown 'moon'"):
            probe(ProbeConfig({"site": (site,)}))


@pytest.fixture
def tencent_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[TencentApi]:
    api = TencentApi([])
    api.buckets = [
        {
            "name": "gz-1250000000",
            "region": "ap-guangzhou",
            "replicate_to": ("hk-1250000000", "ap-hongkong"),
        },
        {
            "name": "fra-1250000000",
            "region": "eu-frankfurt",
            "replicate_to": ("sh-1250000000", "ap-shanghai"),
        },
    ]
    with serving(api) as url:
        monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", api.secret_id)
        monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", api.secret_key)
        monkeypatch.setenv("ASSESSOR_TENCENT_ENDPOINT", url)
        yield api


def test_buckets_outside_the_chosen_regions_stay_assets_with_a_gap(
    tencent_api: TencentApi, catalog: Catalog
) -> None:
    config = ProbeConfig({"regions": ("ap-guangzhou",)})
    inventory = run_probes([TencentProbe(config)], catalog)
    assets = {asset.name: asset for asset in inventory.assets}
    assert assets["gz-1250000000"].flows[0].target_location.country == "HK"
    fra = assets["fra-1250000000"]
    assert fra.location.country == "DE" and not fra.flows
    (gap,) = inventory.gaps
    assert gap.reason is GapReason.REGION_DISABLED and gap.region == "eu-frankfurt"
    assert "not selected by --tencent-regions" in gap.message and gap.resource == "fra-1250000000"
    replications = [r for r in tencent_api.requests if "replication" in r.query]
    assert len(replications) == 1  # Frankfurt's rules were not asked for


CREDENTIAL_FILES = {
    # probe: (file under HOME, profile text given the server's keys, the variables it replaces)
    "alibaba": (
        ".alibabacloud/credentials.ini",
        "[default]\nenable = true\ntype = access_key\naccess_key_id = {id}\n"
        "access_key_secret = {secret}\n",
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
    ),
    "tencent": (
        ".tencentcloud/credentials",
        "[default]\nsecret_id = {id}\nsecret_key = {secret}\n",
        ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"),
    ),
    "huawei": (
        ".huaweicloud/credentials",
        "[global]\nak = {id}\nsk = {secret}\n",
        ("HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK"),
    ),
}


def _server(probe: str) -> tuple[Any, str, str]:
    from assessor.testing.servers.alibaba import AlibabaApi
    from assessor.testing.servers.huawei import HuaweiApi

    if probe == "alibaba":
        return AlibabaApi(), AlibabaApi.access_key_id, AlibabaApi.access_key_secret
    if probe == "tencent":
        return TencentApi(), TencentApi.secret_id, TencentApi.secret_key
    return HuaweiApi(), HuaweiApi.access_key, HuaweiApi.secret_key


@pytest.mark.parametrize("probe", sorted(CREDENTIAL_FILES))
def test_keys_come_from_the_providers_credentials_file_when_the_variables_are_unset(
    probe: str, catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    relative, template, variables = CREDENTIAL_FILES[probe]
    api, key_id, secret = _server(probe)
    for name in variables:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("HUAWEICLOUD_SDK_DOMAIN_ID", "assessor-domain")
    found = load_probe(probe)
    with pytest.raises(ConfigurationError, match=variables[0]):
        list(found(ProbeConfig()).scan())  # neither variables nor file: said, before any call
    path = tmp_path / relative
    path.parent.mkdir(parents=True)
    path.write_text(template.format(id=key_id, secret=secret))
    with serving(api) as url:
        monkeypatch.setenv(f"ASSESSOR_{probe.upper()}_ENDPOINT", url)
        inventory = run_probes([found(ProbeConfig())], catalog)
    # The server checks every signature: a wrong or missing key would be an access-denied gap.
    assert api.requests and not inventory.gaps
    path.write_text("key = outside any profile\n")  # malformed: exit 2 naming file:line
    with pytest.raises(InputError, match=f"{path}:1: "):
        list(found(ProbeConfig()).scan())
    path.write_text("[someone-else]\n")
    with pytest.raises(InputError, match=r"no \[(default|global)\] profile"):
        list(found(ProbeConfig()).scan())
