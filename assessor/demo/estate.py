"""The demo estate of Northwind Analytics, a fictional company, and the code that seeds it.

Most of the estate is fine; a few assets sit in or copy into risky places, so the report
has something to show. Seeding writes to the emulators and lives here, never in a probe.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import boto3
import google.cloud.storage as storage
from google.auth.credentials import AnonymousCredentials

DEMO_GCP_PROJECT = "northwind-prod"


@dataclass(frozen=True)
class DemoBucket:
    name: str
    region: str
    tags: dict[str, str] = field(default_factory=dict)
    kms_key: bool = False
    replicate_to: str | None = None
    block_public: bool = True


@dataclass(frozen=True)
class DemoInstance:
    name: str
    region: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoGcsBucket:
    name: str
    location: str
    labels: dict[str, str] = field(default_factory=dict)
    kms_key: str | None = None
    public_access_prevention: str = "enforced"


AWS_BUCKETS = (
    DemoBucket(
        "nw-customer-records", "us-east-1", {"data-class": "pii", "owner": "crm"}, kms_key=True
    ),
    DemoBucket(
        "nw-analytics-eu",
        "eu-west-1",
        {"data-class": "confidential", "owner": "analytics"},
        replicate_to="nw-analytics-dr-apac",
    ),
    DemoBucket(
        "nw-analytics-dr-apac", "ap-east-1", {"data-class": "confidential", "owner": "analytics"}
    ),
    DemoBucket(
        "nw-payments-ledger",
        "us-west-2",
        {"data-class": "financial"},
        kms_key=True,
        replicate_to="nw-payments-ledger-dr",
    ),
    DemoBucket("nw-payments-ledger-dr", "us-east-2", {"data-class": "financial"}, kms_key=True),
    DemoBucket("nw-web-assets", "us-west-2", {"data-class": "public"}, block_public=False),
    DemoBucket("nw-logs-frankfurt", "eu-central-1", {"data-class": "internal"}),
    DemoBucket("nw-ml-training-sg", "ap-southeast-1", {"data-class": "internal"}),
    DemoBucket("nw-backups-sydney", "ap-southeast-2", {"data-class": "confidential"}),
    DemoBucket("nw-mobile-telemetry", "sa-east-1", {"data-class": "pii"}),
    DemoBucket(
        "nw-partner-drop",
        "eu-west-2",
        {"owner": "partnerships"},
        replicate_to="nw-partner-archive-gone",
    ),
)

AWS_INSTANCES = (
    DemoInstance("nw-api-1", "us-east-1", {"data-class": "pii"}),
    DemoInstance("nw-api-2", "us-east-1", {"data-class": "pii"}),
    DemoInstance("nw-etl-eu", "eu-west-1", {"data-class": "confidential"}),
    DemoInstance("nw-render-sg", "ap-southeast-1"),
)

GCS_BUCKETS = (
    DemoGcsBucket("nw-eu-reports", "EUROPE-WEST3", {"data-class": "pii"}),
    DemoGcsBucket("nw-asia-cache", "ASIA-EAST2", {"data-class": "internal"}),
    DemoGcsBucket(
        "nw-us-archive",
        "US",
        {"data-class": "confidential"},
        kms_key="projects/northwind-prod/locations/us/keyRings/archive/cryptoKeys/main",
    ),
    DemoGcsBucket("nw-eu-dual", "EUR4", {"data-class": "pii"}),
    DemoGcsBucket(
        "nw-tw-media", "ASIA-EAST1", {"data-class": "public"}, public_access_prevention="inherited"
    ),
    DemoGcsBucket("nw-sandbox-new-region", "EUROPE-WEST15", {"owner": "labs"}),
)


def seed_aws(
    buckets: tuple[DemoBucket, ...] = AWS_BUCKETS,
    instances: tuple[DemoInstance, ...] = AWS_INSTANCES,
) -> None:
    """Create the buckets and instances on the endpoint in ``AWS_ENDPOINT_URL``."""
    for bucket in buckets:
        create_bucket(bucket)
    for bucket in buckets:
        if bucket.replicate_to:
            _replicate(bucket)
    by_region: dict[str, list[DemoInstance]] = {}
    for instance in instances:
        by_region.setdefault(instance.region, []).append(instance)
    for region, members in by_region.items():
        _run_instances(region, members)


def seed_aws_services() -> None:
    """Beyond buckets and instances: a database with a read replica in Hong Kong, a
    DynamoDB table, a customer key and a secret, so the report shows more than storage."""
    account = boto3.client("sts").get_caller_identity()["Account"]
    rds = boto3.client("rds", region_name="us-east-1")
    rds.create_db_instance(
        DBInstanceIdentifier="nw-orders",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        MasterUsername="northwind",
        MasterUserPassword="demo-password",
        AllocatedStorage=20,
        StorageEncrypted=True,
        Tags=[{"Key": "data-class", "Value": "pii"}],
    )
    boto3.client("rds", region_name="ap-east-1").create_db_instance_read_replica(
        DBInstanceIdentifier="nw-orders-apac-reader",
        SourceDBInstanceIdentifier=f"arn:aws:rds:us-east-1:{account}:db:nw-orders",
        DBInstanceClass="db.t3.micro",
        Tags=[{"Key": "data-class", "Value": "pii"}],
    )
    boto3.client("dynamodb", region_name="eu-west-1").create_table(
        TableName="nw-sessions-eu",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": "data-class", "Value": "pii"}],
    )
    kms = boto3.client("kms", region_name="us-west-2")
    key = kms.create_key(Description="payments ledger key")["KeyMetadata"]
    kms.create_alias(AliasName="alias/nw-payments", TargetKeyId=key["KeyId"])
    boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name="nw-orders-db-credentials", SecretString="demo", KmsKeyId=key["Arn"]
    )


def create_bucket(bucket: DemoBucket) -> None:
    s3 = boto3.client("s3", region_name=bucket.region)
    if bucket.region == "us-east-1":
        s3.create_bucket(Bucket=bucket.name)
    else:
        s3.create_bucket(
            Bucket=bucket.name, CreateBucketConfiguration={"LocationConstraint": bucket.region}
        )
    if bucket.tags:
        s3.put_bucket_tagging(
            Bucket=bucket.name,
            Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in bucket.tags.items()]},
        )
    if bucket.kms_key:
        key = boto3.client("kms", region_name=bucket.region).create_key(
            Description=f"{bucket.name} data key"
        )
        s3.put_bucket_encryption(
            Bucket=bucket.name,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {
                        "ApplyServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": key["KeyMetadata"]["Arn"],
                        }
                    }
                ]
            },
        )
    else:
        s3.put_bucket_encryption(
            Bucket=bucket.name,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
    if bucket.block_public:
        s3.put_public_access_block(
            Bucket=bucket.name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )


def _replicate(bucket: DemoBucket) -> None:
    s3 = boto3.client("s3", region_name=bucket.region)
    s3.put_bucket_versioning(Bucket=bucket.name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_replication(
        Bucket=bucket.name,
        ReplicationConfiguration={
            "Role": "arn:aws:iam::123456789012:role/replication",
            "Rules": [
                {
                    "ID": "dr-copy",
                    "Status": "Enabled",
                    "Priority": 1,
                    "Filter": {},
                    "DeleteMarkerReplication": {"Status": "Disabled"},
                    "Destination": {"Bucket": f"arn:aws:s3:::{bucket.replicate_to}"},
                }
            ],
        },
    )


def _run_instances(region: str, instances: list[DemoInstance]) -> None:
    ec2 = boto3.client("ec2", region_name=region)
    image = "ami-0123456789abcdef0"  # moto launches from any image id
    for instance in instances:
        tags = [{"Key": "Name", "Value": instance.name}] + [
            {"Key": k, "Value": v} for k, v in instance.tags.items()
        ]
        ec2.run_instances(
            ImageId=image,
            MinCount=1,
            MaxCount=1,
            InstanceType="t3.micro",
            TagSpecifications=[{"ResourceType": "instance", "Tags": tags}],
        )


def seed_gcs(
    buckets: tuple[DemoGcsBucket, ...] = GCS_BUCKETS, project: str = DEMO_GCP_PROJECT
) -> None:
    """Create the buckets on the emulator in ``STORAGE_EMULATOR_HOST``."""
    credentials = AnonymousCredentials()  # type: ignore[no-untyped-call]
    client = storage.Client(project=project, credentials=credentials)
    for spec in buckets:
        bucket = client.create_bucket(spec.name)
        # The emulator ignores location on create; it takes it as a metadata patch.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            bucket.location = spec.location
        bucket.labels = spec.labels
        if spec.kms_key:
            bucket.default_kms_key_name = spec.kms_key
        bucket.iam_configuration.public_access_prevention = spec.public_access_prevention
        bucket.patch()
