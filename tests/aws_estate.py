"""An estate with every service the AWS probe reads, across regions, with cross-region
copies into Hong Kong (ap-east-1), seeded on the moto server in ``AWS_ENDPOINT_URL``."""

from __future__ import annotations

import boto3

from assessor.demo.estate import DemoBucket, DemoInstance, seed_aws

SOURCE = "eu-west-1"
HONG_KONG = "ap-east-1"
US = "us-east-1"
REGIONS = f"{US},{SOURCE},{HONG_KONG}"
ACCOUNT = "123456789012"


def _client(service: str, region: str, session: boto3.Session | None = None):  # type: ignore[no-untyped-def]
    return (session or boto3).client(service, region_name=region)


def seed_every_service(key_replica: bool = True) -> dict[str, str]:
    """Seed the estate; returns ids that tests look up by name.

    ``key_replica=False`` leaves out the multi-Region KMS key's Hong Kong replica: moto's
    primary and replica share one configuration dict, and describing the replica marks it
    REPLICA for both, so what the primary looks like depends on which region was read
    first (tests that compare two scans need an estate that reads the same either way).
    """
    ids: dict[str, str] = {}
    seed_aws(
        (
            DemoBucket("src-eu", SOURCE, {"data-class": "pii"}, replicate_to="dst-hk"),
            DemoBucket("dst-hk", HONG_KONG),
        ),
        (DemoInstance("api-1", US),),
    )

    ec2 = _client("ec2", SOURCE)
    volume = ec2.create_volume(AvailabilityZone=f"{SOURCE}a", Size=8, Encrypted=True)
    ec2.create_tags(Resources=[volume["VolumeId"]], Tags=[{"Key": "Name", "Value": "data-vol"}])
    snapshot = ec2.create_snapshot(VolumeId=volume["VolumeId"], Description="nightly")
    ids["snapshot"] = snapshot["SnapshotId"]
    copy = _client("ec2", HONG_KONG).copy_snapshot(
        SourceRegion=SOURCE,
        SourceSnapshotId=snapshot["SnapshotId"],
        # What AWS writes when the caller gives no description; moto stores what it is given.
        Description=f"[Copied {snapshot['SnapshotId']} from {SOURCE}]",
    )
    ids["snapshot-copy"] = copy["SnapshotId"]
    image = ec2.register_image(Name="base-image", RootDeviceName="/dev/sda1")
    _client("ec2", HONG_KONG).copy_image(
        SourceRegion=SOURCE, SourceImageId=image["ImageId"], Name="base-image-hk"
    )

    rds = _client("rds", SOURCE)
    rds.create_db_instance(
        DBInstanceIdentifier="orders-db",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        MasterUsername="admin",
        MasterUserPassword="password1",
        AllocatedStorage=20,
        StorageEncrypted=True,
        Tags=[{"Key": "data-class", "Value": "financial"}],
    )
    _client("rds", HONG_KONG).create_db_instance_read_replica(
        DBInstanceIdentifier="orders-db-hk",
        SourceDBInstanceIdentifier=f"arn:aws:rds:{SOURCE}:{ACCOUNT}:db:orders-db",
        DBInstanceClass="db.t3.micro",
    )
    rds.create_db_snapshot(DBSnapshotIdentifier="orders-snap", DBInstanceIdentifier="orders-db")
    _client("rds", HONG_KONG).copy_db_snapshot(
        SourceDBSnapshotIdentifier=f"arn:aws:rds:{SOURCE}:{ACCOUNT}:snapshot:orders-snap",
        TargetDBSnapshotIdentifier="orders-snap-hk",
        SourceRegion=SOURCE,
    )
    us_rds = _client("rds", US)
    us_rds.create_db_cluster(
        DBClusterIdentifier="analytics",
        Engine="aurora-postgresql",
        MasterUsername="admin",
        MasterUserPassword="password1",
        StorageEncrypted=True,
    )
    us_rds.create_db_cluster_snapshot(
        DBClusterSnapshotIdentifier="analytics-snap", DBClusterIdentifier="analytics"
    )
    # An Aurora global database: a cluster in Virginia, a secondary cluster in Hong Kong.
    ledger = us_rds.create_db_cluster(
        DBClusterIdentifier="ledger",
        Engine="aurora-postgresql",
        MasterUsername="admin",
        MasterUserPassword="password1",
    )["DBCluster"]
    us_rds.create_global_cluster(
        GlobalClusterIdentifier="ledger-global", SourceDBClusterIdentifier=ledger["DBClusterArn"]
    )
    _client("rds", HONG_KONG).create_db_cluster(
        DBClusterIdentifier="ledger-hk",
        Engine="aurora-postgresql",
        GlobalClusterIdentifier="ledger-global",
    )

    table = {
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
    _client("dynamodb", SOURCE).create_table(
        TableName="sessions", Tags=[{"Key": "data-class", "Value": "pii"}], **table
    )
    # moto has no global-table replicas: the replica is seeded as a table of its own.
    _client("dynamodb", HONG_KONG).create_table(TableName="sessions", **table)

    kms = _client("kms", SOURCE)
    primary = kms.create_key(
        MultiRegion=True,
        Description="app key",
        Tags=[{"TagKey": "data-class", "TagValue": "confidential"}],
    )["KeyMetadata"]
    kms.create_alias(AliasName="alias/app", TargetKeyId=primary["KeyId"])
    if key_replica:
        kms.replicate_key(KeyId=primary["KeyId"], ReplicaRegion=HONG_KONG)
    ids["mrk"] = primary["Arn"]
    external = _client("kms", US).create_key(
        Origin="EXTERNAL_KEY_STORE", CustomKeyStoreId="cks-1234567890abcdef0", XksKeyId="hsm-1"
    )["KeyMetadata"]
    ids["xks"] = external["Arn"]
    held = _client("ec2", US).create_volume(
        AvailabilityZone=f"{US}a", Size=8, Encrypted=True, KmsKeyId=external["Arn"]
    )
    ids["xks-volume"] = held["VolumeId"]

    _client("iam", US).create_role(RoleName="fn", AssumeRolePolicyDocument="{}")
    _client("lambda", US).create_function(
        FunctionName="resize",
        Runtime="python3.12",
        Role=f"arn:aws:iam::{ACCOUNT}:role/fn",
        Handler="app.handler",
        Code={"ZipFile": b"PK\x05\x06" + b"\0" * 18},
        Tags={"data-class": "pii"},
    )

    ecr = _client("ecr", SOURCE)
    ecr.create_repository(repositoryName="app")
    ecr.put_replication_configuration(
        replicationConfiguration={
            "rules": [{"destinations": [{"region": HONG_KONG, "registryId": ACCOUNT}]}]
        }
    )

    _client("efs", SOURCE).create_file_system(
        CreationToken="shared", Encrypted=True, Tags=[{"Key": "Name", "Value": "shared-fs"}]
    )

    backup = _client("backup", SOURCE)
    backup.create_backup_vault(BackupVaultName="primary")
    _client("backup", HONG_KONG).create_backup_vault(BackupVaultName="hk-vault")
    backup.create_backup_plan(
        BackupPlan={
            "BackupPlanName": "daily",
            "Rules": [
                {
                    "RuleName": "daily",
                    "TargetBackupVaultName": "primary",
                    "CopyActions": [
                        {
                            "DestinationBackupVaultArn": (
                                f"arn:aws:backup:{HONG_KONG}:{ACCOUNT}:backup-vault:hk-vault"
                            )
                        }
                    ],
                }
            ],
        }
    )

    redshift = _client("redshift", SOURCE)
    redshift.create_cluster(
        ClusterIdentifier="warehouse",
        NodeType="dc2.large",
        MasterUsername="admin",
        MasterUserPassword="Password1",
    )
    redshift.enable_snapshot_copy(ClusterIdentifier="warehouse", DestinationRegion=HONG_KONG)

    _client("elasticache", SOURCE).create_replication_group(
        ReplicationGroupId="cache",
        ReplicationGroupDescription="sessions cache",
        Engine="redis",
        CacheNodeType="cache.t3.micro",
        AtRestEncryptionEnabled=True,
    )
    _client("opensearch", SOURCE).create_domain(
        DomainName="search", EncryptionAtRestOptions={"Enabled": True}
    )
    _client("secretsmanager", SOURCE).create_secret(
        Name="db-password", SecretString="s3cret", AddReplicaRegions=[{"Region": HONG_KONG}]
    )
    return ids


def seed_organization() -> list[str]:
    """The management account and four members, each with a bucket (two in Hong Kong);
    returns the account ids, sorted."""
    org = boto3.client("organizations", region_name=US)
    org.create_organization(FeatureSet="ALL")
    accounts = [boto3.client("sts", region_name=US).get_caller_identity()["Account"]]
    for number in range(4):
        created = org.create_account(Email=f"m{number}@example.com", AccountName=f"m{number}")
        accounts.append(created["CreateAccountStatus"]["AccountId"])
    for number, account in enumerate(accounts):
        granted = boto3.client("sts", region_name=US).assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/Seeder", RoleSessionName="seed"
        )["Credentials"]
        session = boto3.Session(
            aws_access_key_id=granted["AccessKeyId"],
            aws_secret_access_key=granted["SecretAccessKey"],
            aws_session_token=granted["SessionToken"],
        )
        region = HONG_KONG if number % 2 else US
        extra = {"CreateBucketConfiguration": {"LocationConstraint": region}} if number % 2 else {}
        session.client("s3", region_name=region).create_bucket(Bucket=f"data-{account}", **extra)
    return sorted(accounts)
