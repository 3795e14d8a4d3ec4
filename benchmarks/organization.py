"""An organization audited in shards, each account in its own worker process, every call
answered after a fixed latency.

    python benchmarks/organization.py --accounts 200 --buckets-per-account 20 \\
        --latency-ms 50 --workers 2

1. seeds one member account on a moto server with ``--buckets-per-account`` buckets over
   eight regions, and records every answer the AWS probe gets while planning and reading it
   (``ListAccounts`` is answered with ``--accounts`` accounts);
2. serves that recording for every account id (account ids are not part of a request's key)
   from the replay server, in its own process, after ``--latency-ms``;
3. runs ``assessor plan``, ``assessor audit --plan --shard 1/1 --workers W`` and
   ``assessor merge`` as a user would, each in its own process.

Ends with one line: ``organization: A accounts, C calls, wall S s, cpu U s, peak RSS M MiB
per worker, merge E s`` (wall and cpu of the sharded audit, every worker included; the
largest peak RSS of any worker process, sampled from /proc).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import boto3
from aws_inventory import with_bucket_regions
from aws_replay import recorder
from processes import TreeMemory, bytecode_compiled

from assessor import shards
from assessor.probes.base import ProbeConfig
from assessor.testing.emulators import free_port, moto_server, pointed_at

REGIONS = (
    "us-east-1", "us-west-2", "eu-west-1", "eu-central-1",
    "ap-northeast-1", "ap-southeast-1", "ap-east-1", "sa-east-1",
)  # fmt: skip
OPTIONS = {"org-role": "AssessorAudit", "regions": ",".join(REGIONS), "max-attempts": "2"}
ARGS = [f"--aws-{name}={value}" for name, value in OPTIONS.items()]


def _member(account: str) -> boto3.Session:
    granted = boto3.client("sts", region_name="us-east-1").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/Seeder", RoleSessionName="seed"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=granted["AccessKeyId"],
        aws_secret_access_key=granted["SecretAccessKey"],
        aws_session_token=granted["SessionToken"],
    )


def _accounts_answer(accounts: int) -> bytes:
    listed = [
        {
            "Id": f"{100000000000 + n:012d}",
            "Arn": f"arn:aws:organizations::123456789012:account/o-bench/{100000000000 + n}",
            "Email": f"a{n}@example.com",
            "Name": f"account-{n}",
            "Status": "ACTIVE",
        }
        for n in range(accounts)
    ]
    return json.dumps({"Accounts": listed}).encode()


def record(accounts: int, buckets: int, path: Path) -> None:
    recording: dict[str, dict[str, object]] = {}
    with moto_server() as endpoint, pointed_at(endpoint, None):
        org = boto3.client("organizations", region_name="us-east-1")
        org.create_organization(FeatureSet="ALL")
        member = org.create_account(Email="m@example.com", AccountName="member")
        account = member["CreateAccountStatus"]["AccountId"]
        s3 = _member(account)
        placement = {f"bench-{n:05d}": REGIONS[n % len(REGIONS)] for n in range(buckets)}
        for name, region in placement.items():
            extra = {} if region == "us-east-1" else {"LocationConstraint": region}
            client = s3.client("s3", region_name=region)
            if extra:
                client.create_bucket(Bucket=name, CreateBucketConfiguration=extra)
            else:
                client.create_bucket(Bucket=name)
        add_regions = with_bucket_regions(placement)

        def rewrite(key: str, body: bytes) -> bytes:
            if "ListAccounts" in key:
                return _accounts_answer(accounts)
            return add_regions(key, body)

        with recorder(endpoint, recording, rewrite) as proxy, pointed_at(proxy, None):
            config = ProbeConfig({name: (value,) for name, value in OPTIONS.items()})
            plan = shards.make_plan("aws", config, datetime.now(UTC))
            scratch = Path(tempfile.mkdtemp())
            shards.read_unit(plan, account, scratch / "unit.json")
    path.write_text(json.dumps(recording))
    print(f"recorded {len(recording)} answers for one account of {buckets} buckets")


def _timed(args: list[str]) -> tuple[float, float, int]:
    """Wall and CPU seconds of a child process (and every process it waited for), and the
    largest peak RSS among the processes it forked (its workers)."""
    bytecode_compiled()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    command = subprocess.Popen(
        [sys.executable, "-m", "assessor", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    memory = TreeMemory(command.pid)
    _, stderr = command.communicate()
    wall = time.perf_counter() - started
    memory.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if command.returncode not in (0, 1):
        sys.exit(f"assessor {args[0]} exited {command.returncode}: {stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, memory.largest_child()


def replay(path: Path, accounts: int, latency: float, workers: int) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("aws_replay.py")), str(path), str(port),
         str(latency)],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    work = Path(tempfile.mkdtemp())
    try:
        assert server.stdout is not None
        server.stdout.readline()  # "ready"
        endpoint = f"http://127.0.0.1:{port}"
        with pointed_at(endpoint, None):
            _timed(["plan", "--probe", "aws", *ARGS, "-o", str(work / "plan.json")])
            shard = ["--shard", "1/1", "--workers", str(workers), "-o", str(work / "shards")]
            wall, cpu, rss = _timed(["audit", "--plan", str(work / "plan.json"), *shard])
            merge, _, _ = _timed(["merge", str(work / "shards"), "-o", str(work / "report")])
        with urllib.request.urlopen(f"{endpoint}/_stats") as answer:
            stats = json.loads(answer.read())
    finally:
        server.terminate()
        server.wait()
    report = json.loads((work / "report" / "report.json").read_text())
    unread = [gap for gap in report["gaps"] if gap["reason"] == "unread"]
    print(f"{len(report['assets'])} assets, {len(report['gaps'])} gaps ({len(unread)} unread), "
          f"{stats['missed']} calls not recorded; cpu per account {cpu / accounts:.2f} s")  # fmt: skip
    print(f"organization: {accounts} accounts, {stats['calls']} calls, wall {wall:.2f} s, "
          f"cpu {cpu:.1f} s, peak RSS {rss / 2**20:.0f} MiB per worker, merge {merge:.2f} s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--buckets-per-account", type=int, default=20)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    path = Path(tempfile.mkdtemp()) / "organization-recording.json"
    record(args.accounts, args.buckets_per_account, path)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    replay(path, args.accounts, args.latency_ms / 1000, args.workers)


if __name__ == "__main__":
    main()
