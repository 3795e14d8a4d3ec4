"""How fast the AWS probe inventories a large estate when every call takes a fixed time.

    python benchmarks/aws_inventory.py --buckets 2000 --latency 0.1 --concurrency 32
    python benchmarks/aws_inventory.py --buckets 200 --regions 8 --latency 0.05 --cli

1. seeds a moto server with ``--buckets`` buckets over ``--regions`` regions (16 by default;
   only those are enabled for the account, the others answer ``not-opted-in``) plus, in each
   of those regions, volumes, snapshots, RDS, DynamoDB, KMS, Lambda, ECR, Backup, Redshift,
   ElastiCache, OpenSearch and Secrets Manager resources;
2. runs the probe once through a recorder in front of moto (ListBuckets answers are given
   the ``BucketRegion`` real S3 returns and moto leaves out);
3. runs the probe again against a replay server in its own process that answers every
   recorded call after ``--latency`` seconds, so the probe, not an emulator, is measured.

Ends with one line: ``aws-inventory: C calls, W s wall, bound B s, ratio X`` where bound =
calls * latency / concurrency, the wall time of a perfectly busy pool; the line before says
the probe's CPU per call, building its clients included (what decides how many calls one
core keeps in flight).
Target: ratio ≤ 1.3 at concurrency 32 for ≥ 2,000 buckets over 16 regions.

With ``--cli`` step 3 is the whole command a user runs, ``assessor audit --probe aws`` in its
own process (imports, inventory, rules, every report; ``--workers`` from BENCH_WORKERS,
else the CPU count), and the line adds its memory: ``aws-audit: C calls, W s wall, cpu U s,
peak memory M MiB (PSS, every process), largest process R MiB``. ``--services s3`` limits both
modes to those services (the recording always holds every service).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from aws_replay import recorder
from processes import TreeMemory, bytecode_compiled

from assessor.models import Asset, CoverageGap
from assessor.probes.aws import AwsProbe
from assessor.probes.base import ProbeConfig
from assessor.testing.emulators import free_port, moto_server, pointed_at

REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "ap-south-1",
    "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-east-1",
)  # fmt: skip
ACCOUNT = "123456789012"


def seed(buckets: int, regions: tuple[str, ...]) -> dict[str, str]:
    """The estate; returns bucket name → region."""
    placement = {f"bench-{n:05d}": regions[n % len(regions)] for n in range(buckets)}

    def bucket(item: tuple[str, str]) -> None:
        name, region = item
        s3 = boto3.client("s3", region_name=region)
        config = {} if region == "us-east-1" else {"LocationConstraint": region}
        s3.create_bucket(Bucket=name, CreateBucketConfiguration=config) if config else (
            s3.create_bucket(Bucket=name)
        )
        s3.put_bucket_tagging(
            Bucket=name, Tagging={"TagSet": [{"Key": "data-class", "Value": "internal"}]}
        )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(bucket, sorted(placement.items())))
        list(pool.map(seed_region, regions))
    return placement


def seed_region(region: str) -> None:
    ec2 = boto3.client("ec2", region_name=region)
    for _ in range(2):
        volume = ec2.create_volume(AvailabilityZone=f"{region}a", Size=8, Encrypted=True)
    ec2.create_snapshot(VolumeId=volume["VolumeId"])
    boto3.client("rds", region_name=region).create_db_instance(
        DBInstanceIdentifier=f"db-{region}", Engine="postgres", DBInstanceClass="db.t3.micro",
        MasterUsername="admin", MasterUserPassword="password1", AllocatedStorage=20,
    )  # fmt: skip
    dynamodb = boto3.client("dynamodb", region_name=region)
    for n in range(3):
        dynamodb.create_table(
            TableName=f"table-{n}", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        )  # fmt: skip
    kms = boto3.client("kms", region_name=region)
    for _ in range(2):
        kms.create_key(Description="bench")
    lam = boto3.client("lambda", region_name=region)
    for n in range(2):
        lam.create_function(
            FunctionName=f"fn-{n}", Runtime="python3.12", Handler="app.handler",
            Role=f"arn:aws:iam::{ACCOUNT}:role/fn", Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18},
        )  # fmt: skip
    secrets = boto3.client("secretsmanager", region_name=region)
    for n in range(3):
        secrets.create_secret(Name=f"secret-{n}", SecretString="x")
    boto3.client("ecr", region_name=region).create_repository(repositoryName="app")
    boto3.client("backup", region_name=region).create_backup_vault(BackupVaultName="vault")
    boto3.client("redshift", region_name=region).create_cluster(
        ClusterIdentifier="warehouse", NodeType="dc2.large", MasterUsername="admin",
        MasterUserPassword="Password1",
    )  # fmt: skip
    boto3.client("elasticache", region_name=region).create_cache_cluster(
        CacheClusterId="cache", Engine="redis", CacheNodeType="cache.t3.micro", NumCacheNodes=1
    )
    boto3.client("opensearch", region_name=region).create_domain(DomainName="search")


def with_bucket_regions(placement: dict[str, str]):  # type: ignore[no-untyped-def]
    """Give ListBuckets answers the BucketRegion element real S3 sends, and have
    DescribeRegions enable only the regions the estate uses (moto enables 30 or so)."""
    enabled = set(placement.values())

    def opt_in(match: re.Match[bytes]) -> bytes:
        item = match.group(0)
        name = re.search(rb"<regionName>([^<]+)</regionName>", item)
        if name is None or name.group(1).decode() in enabled:
            return item
        return re.sub(
            rb"<optInStatus>[^<]*</optInStatus>", b"<optInStatus>not-opted-in</optInStatus>", item
        )

    def rewrite(key: str, body: bytes) -> bytes:
        if b"<DescribeRegionsResponse" in body:
            return re.sub(rb"<item>.*?</item>", opt_in, body, flags=re.S)
        if not key.startswith("GET /?max-buckets") or b"<ListAllMyBucketsResult" not in body:
            return body

        def add(match: re.Match[bytes]) -> bytes:
            region = placement.get(match.group(1).decode(), "us-east-1")
            return match.group(0) + f"<BucketRegion>{region}</BucketRegion>".encode()

        return re.sub(rb"<Name>([^<]+)</Name>", add, body)

    return rewrite


def run_probe(
    concurrency: int, services: str | None
) -> tuple[list[Asset], list[CoverageGap], AwsProbe, float, float]:
    options = {"concurrency": (str(concurrency),)}
    if services:
        options["services"] = (services,)
    probe = AwsProbe(ProbeConfig(options))
    probe.processes = int(os.environ.get("BENCH_PROCESSES", "1"))
    started, cpu = time.perf_counter(), time.process_time()
    items = list(probe.scan())
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"probe: {wall:.2f} s wall, {cpu:.2f} s CPU")
    assets = [i for i in items if isinstance(i, Asset)]
    gaps = [i for i in items if isinstance(i, CoverageGap)]
    return assets, gaps, probe, wall, cpu


def record(buckets: int, regions: tuple[str, ...], path: Path) -> None:
    recording: dict[str, dict[str, object]] = {}
    with moto_server() as endpoint, pointed_at(endpoint, None):
        boto3.client("iam", region_name="us-east-1").create_role(
            RoleName="fn", AssumeRolePolicyDocument="{}"
        )
        started = time.perf_counter()
        placement = seed(buckets, regions)
        print(f"seeded {buckets} buckets over {len(regions)} regions in "
              f"{time.perf_counter() - started:.0f} s")  # fmt: skip
        rewrite = with_bucket_regions(placement)
        with recorder(endpoint, recording, rewrite) as proxy, pointed_at(proxy, None):
            assets, gaps, _, wall, _ = run_probe(16, None)
        print(f"recorded {len(recording)} answers from moto in {wall:.0f} s "
              f"({len(assets)} assets, {len(gaps)} gaps)")  # fmt: skip
    path.write_text(json.dumps(recording))


@contextmanager
def replay_server(path: Path, latency: float, tls: bool = False) -> Iterator[str]:
    """The replay server in its own process; with ``tls`` it answers over HTTPS with a
    certificate from a fresh CA, added to the public CA bundle that AWS_CA_BUNDLE then
    names (botocore verifies it)."""
    port = free_port()
    command = [sys.executable, str(Path(__file__).with_name("aws_replay.py")), str(path),
               str(port), str(latency)]  # fmt: skip
    if tls:
        import certifi
        import trustme

        scratch = Path(tempfile.mkdtemp())
        authority = trustme.CA()
        issued = authority.issue_cert("127.0.0.1")
        issued.private_key_and_cert_chain_pem.write_to_path(str(scratch / "server.pem"))
        # As a real client's bundle: the public authorities (certifi's, as botocore's
        # default) and the replay server's own.
        public = Path(certifi.where()).read_bytes()
        (scratch / "ca.pem").write_bytes(public + b"\n" + authority.cert_pem.bytes())
        command += [str(scratch / "server.pem"), str(scratch / "server.pem")]
        os.environ["AWS_CA_BUNDLE"] = str(scratch / "ca.pem")
    server = subprocess.Popen(command, stdout=subprocess.PIPE)
    try:
        assert server.stdout is not None
        server.stdout.readline()  # "ready"
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait()


def stats_of(endpoint: str) -> dict[str, Any]:
    context = ssl.create_default_context(cafile=os.environ.get("AWS_CA_BUNDLE"))
    with urllib.request.urlopen(f"{endpoint}/_stats", context=context) as answer:
        stats: dict[str, Any] = json.loads(answer.read())
    return stats


def replay(path: Path, latency: float, concurrency: int, services: str | None, tls: bool) -> None:
    with replay_server(path, latency, tls) as endpoint:
        with pointed_at(endpoint, None):
            assets, gaps, probe, wall, cpu = run_probe(concurrency, services)
        stats = stats_of(endpoint)
    calls = stats["calls"]
    bound = calls * latency / concurrency
    buckets = sum(1 for a in assets if a.kind == "bucket")
    kinds = sorted({a.service for a in assets})
    print(f"{len(assets)} assets ({buckets} buckets; {', '.join(kinds)}), {len(gaps)} gaps, "
          f"{stats['missed']} calls not recorded; {probe.notes()[-1]}")  # fmt: skip
    print(f"calls per asset: {calls / max(len(assets), 1):.2f}; "
          f"CPU per call (clients and all): {cpu / calls * 1000:.2f} ms")  # fmt: skip
    curve = stats["in_flight_per_second"]
    print("calls in flight, each second: " + " ".join(f"{v:.0f}" for v in curve))
    print(f"average in flight: {calls * latency / wall:.1f} of {concurrency}")
    print(f"aws-inventory: {calls} calls, {wall:.2f} s wall, bound {bound:.2f} s, "
          f"ratio {wall / bound:.2f}")  # fmt: skip


def replay_cli(
    path: Path, latency: float, concurrency: int, services: str | None, tls: bool
) -> None:
    """The command a user runs, in its own process: wall, CPU and peak memory of all of it
    (``--workers`` from the environment's BENCH_WORKERS, default the CPU count)."""
    out = Path(tempfile.mkdtemp())
    bytecode_compiled()
    args = [sys.executable, "-m", "assessor", "audit", "--probe", "aws", "-o", str(out),
            f"--aws-concurrency={concurrency}"]  # fmt: skip
    if os.environ.get("BENCH_WORKERS"):
        args.append(f"--workers={os.environ['BENCH_WORKERS']}")
    if services:
        args.append(f"--aws-services={services}")
    with replay_server(path, latency, tls) as endpoint:
        with pointed_at(endpoint, None):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            command = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            memory = TreeMemory(command.pid)
            _, stderr = command.communicate()
            wall = time.perf_counter() - started
            pss = memory.stop()
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
        stats = stats_of(endpoint)
    if command.returncode not in (0, 1):
        sys.exit(f"assessor audit exited {command.returncode}: {stderr.decode()[-2000:]}")
    report = json.loads((out / "report.json").read_text())
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"{len(report['assets'])} assets, {len(report['gaps'])} gaps, "
          f"{stats['missed']} calls not recorded")  # fmt: skip
    curve = stats["in_flight_per_second"]
    print("calls in flight, each second: " + " ".join(f"{v:.0f}" for v in curve))
    print(f"aws-audit: {stats['calls']} calls, {wall:.2f} s wall, cpu {cpu:.2f} s, "
          f"peak memory {pss / 2**20:.0f} MiB (PSS, every process), "
          f"largest process {after.ru_maxrss / 1024:.0f} MiB")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--buckets", type=int, default=2000)
    parser.add_argument("--regions", type=int, default=16, choices=range(1, len(REGIONS) + 1))
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--services", help="only these services (comma-separated)")
    parser.add_argument("--cli", action="store_true", help="time the whole audit command")
    parser.add_argument("--tls", action="store_true", help="replay over HTTPS, as AWS answers")
    parser.add_argument("--recording", type=Path, help="reuse (or keep) the recorded answers")
    args = parser.parse_args()
    path = args.recording or Path(tempfile.mkdtemp()) / "aws-recording.json"
    if not path.exists():
        record(args.buckets, REGIONS[: args.regions], path)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    run = replay_cli if args.cli else replay
    run(path, args.latency, args.concurrency, args.services, args.tls)


if __name__ == "__main__":
    main()
