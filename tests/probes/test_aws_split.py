"""The parts a split scan is made of: which process runs which task, processes that send
back what they read (or die, or raise), and botocore's models and client classes built
once per process."""

from __future__ import annotations

import os
import signal
import threading

import boto3
import botocore.session
import pytest

from assessor.errors import ConfigurationError
from assessor.forked import in_processes
from assessor.models import Asset
from assessor.probes.aws import AwsProbe
from assessor.probes.aws.scheduler import BoundedScheduler, Task
from assessor.probes.aws.session import AwsClients
from assessor.probes.aws.shared import shared_client_parts
from assessor.probes.aws.split import Share, positions
from assessor.probes.base import ProbeConfig


def _listing(region: str, buckets: dict[str, str]) -> list[str | Task[str]]:
    """Like S3's ListBuckets: found once, with one follow-up per bucket in its region."""
    follow: list[str | Task[str]] = [
        Task(("a", home), lambda name=name: [f"bucket {name}"])
        for name, home in sorted(buckets.items())
    ]
    return [f"listing in {region}", *follow]


def test_each_process_runs_its_own_keys_and_everywhere_tasks_share_their_follow_ups() -> None:
    buckets = {"b1": "r1", "b2": "r2", "b3": "r3", "b4": "r2"}
    tasks: list[Task[str]] = [
        Task(("a", region), lambda region=region: [f"volumes in {region}"])
        for region in ("r1", "r2", "r3")
    ]
    tasks.append(Task(("a", "r1"), lambda: _listing("r1", buckets), everywhere=True))
    order = positions(task.key for task in tasks)
    assert order == {("a", "r1"): 0, ("a", "r2"): 1, ("a", "r3"): 2}
    per_process = []
    for index in range(2):
        scheduler: BoundedScheduler[str] = BoundedScheduler(4, 2, Share(index, 2, order).owns)
        for task in tasks:
            scheduler.add(task)
        per_process.append(sorted(scheduler.run()))
    # r1 and r3 are process 0's, r2 process 1's; the listing ran in both, each reading
    # the buckets of its own regions, and only r1's owner reports the listing itself.
    assert per_process[0] == [
        "bucket b1", "bucket b3", "listing in r1", "volumes in r1", "volumes in r3"
    ]  # fmt: skip
    assert per_process[1] == ["bucket b2", "bucket b4", "volumes in r2"]


def test_a_key_no_listing_named_still_has_exactly_one_owner() -> None:
    order = positions([("a", "r1")])
    owners = [index for index in range(3) if Share(index, 3, order).owns(("a", "elsewhere"))]
    assert len(owners) == 1


def test_processes_send_back_what_they_read_and_a_killed_one_is_lost() -> None:
    def work(index: int) -> str:
        if index == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        return f"share {index} of pid {os.getpid()}"

    shares = in_processes(3, work)
    assert sorted(shares.done) == [0, 1]
    assert all(str(os.getpid()) not in text for text in shares.done.values())
    (lost,) = shares.lost
    assert lost.index == 2 and lost.why == "its worker process was killed by SIGKILL"


def test_an_exception_in_a_process_is_raised_in_the_parent() -> None:
    def work(index: int) -> int:
        if index == 1:
            raise ConfigurationError("bad option seen in a child")
        return index

    with pytest.raises(ConfigurationError, match="bad option seen in a child"):
        in_processes(2, work)

    lock = threading.Lock()

    def unpicklable(index: int) -> int:
        raise ValueError(lock)  # a lock cannot be pickled: its text comes back instead

    with pytest.raises(RuntimeError, match="ValueError"):
        in_processes(1, unpicklable)
    with pytest.raises(RuntimeError, match="share 0's result could not be sent back"):
        in_processes(1, lambda _: lock)


def test_clients_share_one_model_and_class_per_service_and_others_are_left_alone() -> None:
    clients = AwsClients(allowed=frozenset({"s3:ListBuckets"}))
    east, west = clients.get("s3", "us-east-1"), clients.get("s3", "eu-west-1")
    assert type(east) is type(west)
    assert east.meta.service_model is west.meta.service_model
    assert east.meta.region_name == "us-east-1" and west.meta.region_name == "eu-west-1"
    assert east.meta.endpoint_url != west.meta.endpoint_url
    # A client built outside the block (anyone else's boto3 in this process) is botocore's.
    other = botocore.session.Session().create_client("s3", region_name="us-east-1")
    assert type(other) is not type(east)
    assert other.meta.service_model is not east.meta.service_model
    with shared_client_parts():
        inside = botocore.session.Session().create_client("s3", region_name="us-east-1")
    assert type(inside) is type(east)


def test_a_process_with_other_threads_reads_in_one_process_and_says_so(aws: str) -> None:
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="kept")
    probe = AwsProbe(ProbeConfig({"regions": ("us-east-1",), "services": ("s3",)}))
    probe.processes = 2
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        items = list(probe.scan())
    finally:
        release.set()
        other.join()
    assert [item.name for item in items if isinstance(item, Asset)] == ["kept"]
    assert any("read in one process, not 2" in note for note in probe.notes())
