"""AWS probe: every data-bearing service, in every enabled region of one or many accounts.

The pipeline inside the probe:

1. identify the caller (STS) and the accounts to read (``accounts.py``);
2. per account, the enabled regions (``regions.py``);
3. per account, region and service, a reader (``services/``, one module per service)
   lists resources and returns per-resource reads as follow-up tasks;
4. every task runs on one bounded pool (``scheduler.py``), capped per account-region;
5. once all regions are read, copies are linked to their sources and key custody is
   corrected from KMS (``links.py``).

Credentials, region and endpoint come from boto3's standard chain, so ``AWS_PROFILE``,
instance roles and ``AWS_ENDPOINT_URL`` (an emulator) all work unchanged. Every call goes
through a hook that refuses undeclared operations (``session.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar

from assessor.errors import ConfigurationError
from assessor.forked import can_fork
from assessor.models import Asset, CoverageGap, GapReason
from assessor.probes.aws.accounts import AccountPlan, organization_accounts
from assessor.probes.aws.gaps import AWS_ERRORS, GapCollector, describe, gap_reason
from assessor.probes.aws.links import link
from assessor.probes.aws.policy import iam_policy
from assessor.probes.aws.regions import HOME_REGION, choose_regions
from assessor.probes.aws.scheduler import BoundedScheduler, Task
from assessor.probes.aws.services import HELPERS, READERS
from assessor.probes.aws.services.base import (
    FlowFact,
    Found,
    KeyFact,
    RegionScope,
    ServiceReader,
    Work,
)
from assessor.probes.aws.services.tags import ResourceTagsReader, TagFact
from assessor.probes.aws.session import AwsClients, CallCounter, ClientSettings
from assessor.probes.aws.shared import prebuild, shared_loader
from assessor.probes.aws.split import read_split
from assessor.probes.base import OptionKind, Probe, ProbeItem, ProbeOption, ReadOnlyViolation

__all__ = ["AwsClients", "AwsProbe", "iam_policy"]

_SETUP_OPERATIONS = frozenset(
    {
        "sts:GetCallerIdentity",
        "organizations:ListAccounts",
        "ec2:DescribeRegions",
    }
)


SERVICES = tuple(READERS)


class AwsProbe(Probe):
    """Data-bearing AWS services across the enabled regions of one or many accounts."""

    name = "aws"
    description = (
        "AWS: S3, EC2/EBS/AMI, RDS, DynamoDB, KMS, Lambda, ECR, EFS, Backup, Redshift, "
        "ElastiCache, OpenSearch, Secrets Manager in every enabled region; whole organizations"
    )
    version = "2"
    options = (
        ProbeOption("regions", "Regions to scan (default: all enabled)", OptionKind.LIST),
        ProbeOption("partition", "Partition to scan", OptionKind.CHOICE, "aws", tuple(HOME_REGION)),
        ProbeOption("services", "Services to read (default: all)", OptionKind.LIST, None, SERVICES),
        ProbeOption("profile", "Named profile from the AWS config files"),
        ProbeOption("org-role", "Role to assume in each account (organization or --aws-accounts)"),
        ProbeOption("accounts", "Account ids to read through --aws-org-role", OptionKind.LIST),
        ProbeOption("external-id", "External id for assuming --aws-org-role"),
        ProbeOption(
            "concurrency", "Calls in flight at once (per process)", OptionKind.INT, 32, minimum=1
        ),
        ProbeOption(
            "region-concurrency",
            "Calls in flight per account-region",
            OptionKind.INT,
            16,
            minimum=1,
        ),
        ProbeOption(
            "retry-mode",
            "botocore retry mode",
            OptionKind.CHOICE,
            "standard",
            ("standard", "adaptive", "legacy"),
        ),
        ProbeOption(
            "max-attempts", "Attempts per call, retries included", OptionKind.INT, 5, minimum=1
        ),
        ProbeOption("timeout", "Read timeout per call in seconds", OptionKind.INT, 30, minimum=1),
    )
    read_operations: ClassVar[frozenset[str]] = _SETUP_OPERATIONS.union(
        *(reader.operations for readers in READERS.values() for reader in readers),
        *(helper.operations for helper in HELPERS),
    )
    credential_operations: ClassVar[frozenset[str]] = frozenset({"sts:AssumeRole"})
    allowed_operations: ClassVar[frozenset[str]] = read_operations | credential_operations
    unit_option: ClassVar[str | None] = "accounts"

    @classmethod
    def access_policy(cls, role: str | None = None, partition: str = "aws") -> dict[str, Any]:
        return iam_policy(cls.read_operations, cls.credential_operations, role, partition)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._accounts: list[str] = []
        self._notes: list[str] = []
        self._calls = ""

    # --- options --------------------------------------------------------------------

    def _partition(self) -> str:
        return self.settings.setting("partition")

    def _settings(self) -> ClientSettings:
        return ClientSettings(
            max_pool_connections=self.settings.integer("concurrency"),
            retry_mode=self.settings.setting("retry-mode"),
            max_attempts=self.settings.integer("max-attempts"),
            read_timeout=float(self.settings.integer("timeout")),
        )

    def scope(self) -> str:
        parts = []
        if self._accounts:
            shown = ", ".join(self._accounts[:5]) + (" …" if len(self._accounts) > 5 else "")
            noun = "account" if len(self._accounts) == 1 else f"{len(self._accounts)} accounts"
            parts.append(f"{noun} {shown}")
        parts.append(f"partition {self._partition()}")
        for option in ("regions", "services"):
            if self.settings.items(option):
                parts.append(f"{option} {','.join(self.settings.items(option))}")
        return ", ".join(parts)

    def notes(self) -> tuple[str, ...]:
        # Accounts are opened concurrently: sort, so two runs of one estate read the same.
        return tuple(sorted(self._notes)) + ((self._calls,) if self._calls else ())

    def has_units(self) -> bool:
        return bool(self.settings.text("org-role"))

    def preload(self) -> None:
        services = list(self.settings.items("services") or READERS)
        prebuild(client_names(services), HOME_REGION[self._partition()])

    def units(self) -> list[str]:
        """The accounts a plan splits: ``--aws-accounts``, or the organization's (one
        ``ListAccounts`` listing). Shards reach them through ``--aws-org-role``."""
        if not self.settings.text("org-role"):
            raise ConfigurationError("a plan needs --aws-org-role, the role read in each account")
        if self.settings.items("accounts"):
            return sorted(set(self.settings.items("accounts")))
        base = AwsClients(
            allowed=self.allowed_operations,
            profile=self.settings.text("profile"),
            settings=self._settings(),
            counter=CallCounter(),
        )
        try:
            return organization_accounts(base, HOME_REGION[self._partition()])
        except AWS_ERRORS as error:
            raise ConfigurationError(f"cannot list the organization: {describe(error)}") from None

    # --- the scan -------------------------------------------------------------------

    def scan(self) -> Iterator[ProbeItem]:
        partition = self._partition()
        services = list(self.settings.items("services") or READERS)
        settings = self._settings()
        if self.settings.items("accounts") and not self.settings.text("org-role"):
            raise ConfigurationError(
                "--aws-accounts needs --aws-org-role, the role to assume in each"
            )
        counter = CallCounter()
        base = AwsClients(
            allowed=self.allowed_operations,
            profile=self.settings.text("profile"),
            settings=settings,
            counter=counter,
        )
        known_regions = set(base.partition_regions(partition))
        wanted = list(self.settings.items("regions")) or sorted(known_regions)
        strangers = sorted(set(wanted) - known_regions)
        if strangers:
            raise ConfigurationError(
                f"--aws-regions: {', '.join(strangers)} not in partition {partition}"
            )
        home = HOME_REGION[partition]
        gaps = GapCollector()
        try:
            caller = base.get("sts", home).get_caller_identity()["Account"]
        except AWS_ERRORS as error:
            yield CoverageGap(
                probe="aws",
                reason=gap_reason(error),
                message=f"cannot identify the caller: {describe(error)}",
                service="sts",
            )
            return
        plan = AccountPlan(
            caller=caller,
            partition=partition,
            home=home,
            role=self.settings.text("org-role"),
            external_id=self.settings.text("external-id"),
        )
        accounts = self._account_list(plan, base, gaps)
        self._accounts = accounts
        run = _Run(plan, base, gaps, known_regions, wanted, services, self._notes)
        calls = f"at most {settings.max_pool_connections} in flight"
        unread: list[CoverageGap] = []
        split = self.processes > 1 and can_fork()
        if self.processes > 1 and not split:
            self._notes.append(
                f"read in one process, not {self.processes}: this process runs other threads "
                "(or cannot fork), and forking it could deadlock"
            )
        if split:
            found, unread = self._read_in_processes(run, accounts, settings, counter)
            calls = f"{calls} in each of {self.processes} processes"
        else:
            setup: list[Task[Found]] = [
                Task((account, "setup"), partial(run.open_account, account), True, True)
                for account in accounts
            ]
            found = self._read(settings, setup, None)
        assets: list[Asset] = []
        keys: list[KeyFact] = []
        tags: list[TagFact] = []
        flows: list[FlowFact] = []
        for item in found:
            if isinstance(item, KeyFact):
                keys.append(item)
            elif isinstance(item, TagFact):
                tags.append(item)
            elif isinstance(item, FlowFact):
                flows.append(item)
            else:
                assets.append(item)
        yield from link(assets, keys, tags, flows)
        yield from gaps.gaps()
        yield from unread
        self._calls = (
            f"{counter.total} API calls across {len(accounts)} account(s) "
            f"(retries not counted), {calls}"
        )

    def _read_in_processes(
        self, run: _Run, accounts: list[str], settings: ClientSettings, counter: CallCounter
    ) -> tuple[list[Found], list[CoverageGap]]:
        """The scan split between ``self.processes`` forked processes (see ``split.py``)."""
        # The accounts are opened here, so every process is dealt its account-regions.
        listings = [task for account in accounts for task in run.open_account(account)]
        # What is built before the fork is shared by every process, not built in each: the
        # models, and one client per service (its ServiceModel and class, see shared.py),
        # the home region's, which its process then uses.
        shared_loader().warm(client_names(run.services))
        for name in client_names(run.services):
            (run.opened or [run.base])[0].get(name, run.plan.home)
        run.close_connections()  # children must not share the parent's sockets
        keys = [(account, region) for account, regions in run.scanned for region in regions]
        split = read_split(
            listings,
            keys,
            self.processes,
            partial(self._read, settings),
            run.gaps,
            self._notes,
            lambda: counter.total,
        )
        self._notes.extend(note for note in split.notes if note not in self._notes)
        counter.add(split.calls)
        return split.found, split.unread

    def _read(
        self,
        settings: ClientSettings,
        tasks: list[Task[Found]],
        owns: Callable[[tuple[str, str]], bool] | None,
    ) -> list[Found]:
        """Run ``tasks`` and their follow-ups on one bounded pool (only the keys ``owns``).

        Split between processes, each has a pool of its own (it has a core of its own to
        keep busy); what AWS throttles is calls per account-region, and each of those
        belongs to one process, so ``--aws-region-concurrency`` holds for the whole scan.
        """
        scheduler: BoundedScheduler[Found] = BoundedScheduler(
            settings.max_pool_connections, self.settings.integer("region-concurrency"), owns
        )
        for task in tasks:
            scheduler.add(task)
        return list(scheduler.run())

    def _account_list(self, plan: AccountPlan, base: AwsClients, gaps: GapCollector) -> list[str]:
        explicit = list(self.settings.items("accounts"))
        if explicit:
            return explicit
        if not plan.role:
            return [plan.caller]
        try:
            listed = organization_accounts(base, plan.home)
        except AWS_ERRORS as error:
            gaps.record(error, account=plan.caller, service="organizations", region=None)
            listed = []
        else:
            if not listed:  # an organization always holds its management account
                message = "ListAccounts listed no active account"
                gaps.add(GapReason.ERROR, message, account=plan.caller, service="organizations",
                         region=None)  # fmt: skip
        if not listed:
            self._notes.append(
                "organization accounts could not be listed; read the caller's account only"
            )
            return [plan.caller]
        return listed


@dataclass(frozen=True)
class _Run:
    """The task graph of one scan: account → regions → service readers → resource reads."""

    plan: AccountPlan
    base: AwsClients
    gaps: GapCollector
    known_regions: set[str]
    wanted: list[str]
    services: list[str]
    notes: list[str]
    opened: list[AwsClients] = field(default_factory=list)
    # The regions read in each account, as accounts are opened.
    scanned: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    def open_account(self, account: str) -> list[Task[Found]]:
        try:
            clients = self.plan.clients_for(self.base, account)
            self.opened.append(clients)
        except AWS_ERRORS as error:
            self.gaps.add(
                gap_reason(error),
                f"cannot assume {self.plan.role_arn(account)}: {describe(error)}",
                account=account,
                service="sts",
                region=None,
            )
            return []
        try:
            described = clients.get("ec2", self.plan.home).describe_regions(AllRegions=True)[
                "Regions"
            ]
        except AWS_ERRORS as error:
            self.gaps.record(error, account=account, service="ec2", region=self.plan.home)
            described = [{"RegionName": region} for region in self.wanted]
        choice = choose_regions(described, self.known_regions, self.wanted)
        if choice.not_enabled:
            self.notes.append(
                f"account {account}: {len(choice.not_enabled)} regions not enabled, not read: "
                + ", ".join(choice.not_enabled)
            )
        scanned = frozenset(choice.scan)
        self.scanned.append((account, choice.scan))
        readers = self.readers()
        tasks: list[Task[Found]] = []
        for reader in readers:
            if reader.global_listing:
                scope = self._scope(clients, account, self.plan.home)
                tasks.append(self._task(scope, reader(scanned, choice.unread)))
            else:
                tasks.extend(
                    self._task(
                        self._scope(clients, account, region), reader(scanned, choice.unread)
                    )
                    for region in choice.scan
                )
        untagged = tuple(t for reader in readers for t in reader.untagged_types)
        if untagged:
            tasks.extend(
                self._task(self._scope(clients, account, region), ResourceTagsReader(untagged))
                for region in choice.scan
            )
        return tasks

    def readers(self) -> list[type[ServiceReader]]:
        return [reader for name in self.services for reader in READERS[name]]

    def close_connections(self) -> None:
        for clients in (self.base, *self.opened):
            clients.close_connections()

    def _scope(self, clients: AwsClients, account: str, region: str) -> RegionScope:
        return RegionScope(clients, account, self.plan.partition, region, self.gaps)

    def _task(self, scope: RegionScope, reader: ServiceReader) -> Task[Found]:
        key = (scope.account, scope.region)
        read = partial(guarded, self.gaps, key, reader.name, partial(reader.read, scope))
        # A global listing's follow-ups are read in their own regions: in a split scan
        # it runs in every process, each keeping its own regions' follow-ups.
        return Task(key, read, discovery=True, everywhere=reader.global_listing)


def client_names(services: list[str]) -> list[str]:
    """The botocore clients a scan of ``services`` builds."""
    readers = (*(reader for name in services for reader in READERS[name]), *HELPERS)
    return sorted({name for reader in readers for name in reader.client_names()})


def guarded(
    gaps: GapCollector, key: tuple[str, str], service: str, run: Callable[[], Work]
) -> list[Found | Task[Found]]:
    """Run one task; an AWS error becomes a gap for its service, account and region, and
    the follow-up tasks it returns are guarded the same way."""
    account, region = key
    try:
        items = list(run())
    except ReadOnlyViolation:
        raise  # a bug in a reader, never a coverage gap
    except AWS_ERRORS as error:
        gaps.record(error, account=account, service=service, region=region)
        return []
    except (KeyError, TypeError, ValueError) as error:
        # An answer shaped unlike the API model: a gap, not the end of the whole scan.
        message = f"unexpected answer: {type(error).__name__}: {error}"
        gaps.add(GapReason.ERROR, message, account=account, service=service, region=region)
        return []
    return [
        Task(
            item.key,
            partial(guarded, gaps, item.key, service, item.run),
            item.discovery,
            item.everywhere,
        )
        if isinstance(item, Task)
        else item
        for item in items
    ]
