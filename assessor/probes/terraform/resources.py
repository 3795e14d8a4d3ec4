"""Terraform resource types: where their region is written and what they copy elsewhere.

Every resource of a known provider is an asset located by its region; one row per modelled
type adds the service and kind, the arguments that name a region (tried in order, before the
provider block's region), the argument that names the thing, the copies its configuration
declares and whether it is an asset at all (a replication configuration is read only for
its flow). Other types of a known provider get their service and kind from the type name
(``huaweicloud_gaussdb_instance`` → gaussdb, instance) and the provider's usual region
arguments; the probe's notes count them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assessor.models import Provider
from assessor.probes.terraform import flows
from assessor.probes.terraform.flows import FlowExtractor

# Terraform provider local names → catalog providers.
PROVIDERS = {
    "aws": Provider.AWS,
    "google": Provider.GCP,
    "google-beta": Provider.GCP,
    "azurerm": Provider.AZURE,
    "alicloud": Provider.ALIBABA,
    "tencentcloud": Provider.TENCENT,
    "huaweicloud": Provider.HUAWEI,
    "oci": Provider.ORACLE,
    "baiducloud": Provider.BAIDU,
}


@dataclass(frozen=True)
class ResourceType:
    provider: str
    service: str
    kind: str
    region_args: tuple[str, ...] = ("region",)
    name_args: tuple[str, ...] = ("name",)
    # The copies this type's configuration declares (see flows.py).
    flows: FlowExtractor | None = None
    # False for types read only for the flows they declare (a replication configuration).
    is_asset: bool = True


_Row = tuple[str, str, tuple[str, ...], tuple[str, ...]]


def _types(provider: str, rows: dict[str, _Row]) -> dict[str, ResourceType]:
    return {
        name: ResourceType(
            provider,
            service,
            kind,
            region_args,
            name_args,
            FLOWS.get(name),
            name not in FLOW_ONLY,
        )
        for name, (service, kind, region_args, name_args) in rows.items()
    }


FLOWS: dict[str, FlowExtractor] = {
    "aws_s3_bucket_replication_configuration": flows.s3_replication_configuration,
    "azurerm_cosmosdb_account": flows.cosmos_geo_locations,
    "alicloud_oss_bucket_replication": flows.oss_bucket_replication,
    "alicloud_hbr_replication_vault": flows.hbr_replication_vault,
    "alicloud_cen_instance_attachment": flows.cen_attachment,
    "tencentcloud_cos_bucket": flows.cos_replica_rules,
    "huaweicloud_obs_bucket_replication": flows.obs_bucket_replication,
    "huaweicloud_rds_cross_region_backup_strategy": flows.rds_cross_region_backup,
    "aws_dynamodb_table": flows.dynamodb_replicas,
    "aws_db_instance": flows.db_read_replica,
    "aws_kms_replica_key": flows.kms_replica_key,
    "aws_ebs_snapshot_copy": flows.ebs_snapshot_copy,
    "azurerm_storage_account": flows.azure_geo_redundant_storage,
    "google_storage_bucket": flows.gcs_data_placement,
}
FLOW_ONLY = frozenset(
    {
        "aws_s3_bucket_replication_configuration",
        "alicloud_oss_bucket_replication",
        "alicloud_cen_instance_attachment",
        "huaweicloud_obs_bucket_replication",
        "huaweicloud_rds_cross_region_backup_strategy",
    }
)


_R = ("region",)
_GCP = ("location", "region", "zone")
_AZ = ("location",)
RESOURCE_TYPES: dict[str, ResourceType] = {
    **_types(
        "aws",
        {
            "aws_s3_bucket": ("s3", "bucket", _R, ("bucket", "bucket_prefix")),
            "aws_s3_bucket_replication_configuration": ("s3", "replication", _R, ("bucket",)),
            "aws_instance": ("ec2", "instance", ("region", "availability_zone"), ("tags.Name",)),
            "aws_ebs_volume": ("ec2", "volume", ("region", "availability_zone"), ("tags.Name",)),
            "aws_ebs_snapshot": ("ec2", "snapshot", _R, ("tags.Name",)),
            "aws_ebs_snapshot_copy": ("ec2", "snapshot", _R, ("tags.Name",)),
            "aws_ami": ("ec2", "image", _R, ("name",)),
            "aws_db_instance": ("rds", "db-instance", _R, ("identifier", "db_name")),
            "aws_rds_cluster": ("rds", "db-cluster", _R, ("cluster_identifier",)),
            "aws_db_snapshot": ("rds", "db-snapshot", _R, ("db_snapshot_identifier",)),
            "aws_dynamodb_table": ("dynamodb", "table", _R, ("name",)),
            "aws_kms_key": ("kms", "key", _R, ("description",)),
            "aws_kms_replica_key": ("kms", "key", _R, ("description",)),
            "aws_lambda_function": ("lambda", "function", _R, ("function_name",)),
            "aws_ecr_repository": ("ecr", "repository", _R, ("name",)),
            "aws_efs_file_system": ("efs", "file-system", _R, ("creation_token",)),
            "aws_backup_vault": ("backup", "vault", _R, ("name",)),
            "aws_redshift_cluster": ("redshift", "cluster", _R, ("cluster_identifier",)),
            "aws_elasticache_cluster": ("elasticache", "cluster", _R, ("cluster_id",)),
            "aws_opensearch_domain": ("opensearch", "domain", _R, ("domain_name",)),
            "aws_secretsmanager_secret": ("secretsmanager", "secret", _R, ("name",)),
            "aws_eks_cluster": ("eks", "cluster", _R, ("name",)),
        },
    ),
    **_types(
        "google",
        {
            "google_storage_bucket": ("storage", "bucket", _GCP, ("name",)),
            "google_compute_instance": ("compute", "instance", ("zone",), ("name",)),
            "google_compute_disk": ("compute", "disk", ("zone",), ("name",)),
            "google_sql_database_instance": ("sql", "instance", ("region",), ("name",)),
            "google_bigquery_dataset": ("bigquery", "dataset", ("location",), ("dataset_id",)),
            "google_kms_key_ring": ("kms", "key-ring", ("location",), ("name",)),
            "google_container_cluster": ("container", "cluster", ("location",), ("name",)),
            "google_spanner_instance": ("spanner", "instance", ("config",), ("name",)),
        },
    ),
    **_types(
        "azurerm",
        {
            "azurerm_storage_account": ("storage", "account", _AZ, ("name",)),
            "azurerm_linux_virtual_machine": ("compute", "vm", _AZ, ("name",)),
            "azurerm_windows_virtual_machine": ("compute", "vm", _AZ, ("name",)),
            "azurerm_mssql_server": ("sql", "server", _AZ, ("name",)),
            "azurerm_postgresql_flexible_server": ("postgresql", "server", _AZ, ("name",)),
            "azurerm_cosmosdb_account": ("cosmosdb", "account", _AZ, ("name",)),
            "azurerm_key_vault": ("keyvault", "vault", _AZ, ("name",)),
            "azurerm_kubernetes_cluster": ("aks", "cluster", _AZ, ("name",)),
        },
    ),
    **_types(
        "alicloud",
        {
            "alicloud_oss_bucket": ("oss", "bucket", _R, ("bucket",)),
            "alicloud_instance": ("ecs", "instance", _R, ("instance_name",)),
            "alicloud_db_instance": ("rds", "db-instance", _R, ("instance_name",)),
            "alicloud_kms_key": ("kms", "key", _R, ("description",)),
            "alicloud_cs_managed_kubernetes": ("ack", "cluster", _R, ("name",)),
            "alicloud_oss_bucket_replication": ("oss", "replication", _R, ("bucket",)),
            "alicloud_hbr_vault": ("hbr", "vault", _R, ("vault_name",)),
            "alicloud_hbr_replication_vault": ("hbr", "vault", _R, ("vault_name",)),
            "alicloud_cen_instance_attachment": ("cen", "attachment", _R, ("instance_id",)),
            "alicloud_gpdb_instance": ("gpdb", "db-instance", _R, ("description",)),
        },
    ),
    **_types(
        "tencentcloud",
        {
            "tencentcloud_cos_bucket": ("cos", "bucket", _R, ("bucket",)),
            "tencentcloud_instance": ("cvm", "instance", _R, ("instance_name",)),
            "tencentcloud_mysql_instance": ("cdb", "db-instance", _R, ("instance_name",)),
        },
    ),
    **_types(
        "huaweicloud",
        {
            "huaweicloud_obs_bucket": ("obs", "bucket", _R, ("bucket",)),
            "huaweicloud_compute_instance": ("ecs", "instance", _R, ("name",)),
            "huaweicloud_rds_instance": ("rds", "db-instance", _R, ("name",)),
            "huaweicloud_gaussdb_instance": ("gaussdb", "db-instance", _R, ("name",)),
            "huaweicloud_obs_bucket_replication": ("obs", "replication", _R, ("bucket",)),
            "huaweicloud_rds_cross_region_backup_strategy": (
                "rds",
                "backup-strategy",
                _R,
                ("instance_id",),
            ),
        },
    ),
}

_AWS_ZONE = re.compile(r"^([a-z]{2}(-[a-z]+)+-\d+)[a-z]$")
_GCP_ZONE = re.compile(r"^([a-z]+-[a-z]+\d+)-[a-z]$")


# Where each provider's resources usually write their region, for types not in the table.
DEFAULT_REGION_ARGS: dict[str, tuple[str, ...]] = {
    "google": _GCP,
    "google-beta": _GCP,
    "azurerm": _AZ,
    "alicloud": ("region", "region_id"),
}
_NAME_ARGS = ("name", "bucket", "instance_name", "display_name", "description")


def type_of(resource_type: str) -> ResourceType | None:
    """The modelled row of a type, if any."""
    return RESOURCE_TYPES.get(resource_type)


def generic_type(resource_type: str) -> ResourceType:
    """A type of a known provider that is not modelled: service and kind from its name."""
    provider = provider_of(resource_type)
    parts = resource_type.split("_")[1:] or ["resource"]
    return ResourceType(
        provider,
        parts[0],
        "-".join(parts[1:]) or "resource",
        DEFAULT_REGION_ARGS.get(provider, _R),
        _NAME_ARGS,
    )


def provider_of(resource_type: str) -> str:
    """``google_storage_bucket`` → ``google``; ``google-beta`` shares the prefix."""
    return resource_type.split("_", 1)[0]


def region_from(value: str, provider: str) -> str:
    """Zones and availability zones name their region; locations compare lower-case."""
    text = value.strip().lower()
    if provider == "aws":
        match = _AWS_ZONE.match(text)
        return match.group(1) if match else text
    if provider in ("google", "google-beta"):
        match = _GCP_ZONE.match(text)
        return match.group(1) if match else text
    if provider == "azurerm":
        # "East Asia", "eastasia" and "EastAsia" are one region: codes are display names
        # without spaces, lower-cased.
        return "".join(text.split())
    return text
