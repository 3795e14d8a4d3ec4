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
from dataclasses import dataclass, replace

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
    # The location the provider's schema gives when no region argument is written.
    schema_default: str | None = None


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
_ZONED = ("region", "availability_zone")
_ALI_ZONE = ("region", "zone_id", "availability_zone")
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
            "google_bigquery_table": ("bigquery", "table", (), ("table_id",)),
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
            "alicloud_instance": ("ecs", "instance", _ALI_ZONE, ("instance_name",)),
            "alicloud_db_instance": ("rds", "db-instance", _ALI_ZONE, ("instance_name",)),
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
            "tencentcloud_instance": ("cvm", "instance", _ZONED, ("instance_name",)),
            "tencentcloud_mysql_instance": ("cdb", "db-instance", _ZONED, ("instance_name",)),
        },
    ),
    **_types(
        "huaweicloud",
        {
            "huaweicloud_obs_bucket": ("obs", "bucket", _R, ("bucket",)),
            "huaweicloud_compute_instance": ("ecs", "instance", _ZONED, ("name",)),
            "huaweicloud_rds_instance": ("rds", "db-instance", _ZONED, ("name",)),
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

# Google's schema defaults BigQuery's location to the US multi-region (google provider,
# resource_bigquery_dataset.go and resource_bigquery_job.go: ``Default: "US"``).
SCHEMA_DEFAULTS = {"google_bigquery_dataset": "us", "google_bigquery_job": "us"}
for _name, _default in SCHEMA_DEFAULTS.items():
    if _name in RESOURCE_TYPES:
        RESOURCE_TYPES[_name] = replace(RESOURCE_TYPES[_name], schema_default=_default)

# The region a provider uses when neither its block, its environment variable nor a profile
# sets one, from each provider's source (see the methodology): Tencent Cloud's
# ``DEFAULT_REGION = "ap-guangzhou"`` (tencentcloud/provider.go) and Alibaba Cloud's
# ``DEFAULT_REGION = "cn-beijing"`` (alicloud/provider.go). AWS, Azure, Google and Huawei
# Cloud have none: their resources stay unknown.
PROVIDER_DEFAULTS = {"tencentcloud": "ap-guangzhou", "alicloud": "cn-beijing"}
# Each provider's standard environment variable for its region (--terraform-assume-region).
REGION_ENVIRONMENT = {
    "aws": ("AWS_REGION", "AWS_DEFAULT_REGION"),
    "alicloud": ("ALICLOUD_REGION", "ALIBABA_CLOUD_REGION"),
    "tencentcloud": ("TENCENTCLOUD_REGION",),
    "huaweicloud": ("HW_REGION_NAME",),
    "google": ("GOOGLE_REGION", "CLOUDSDK_COMPUTE_REGION"),
}

# Types that have no region: identity, DNS, CDN and edge, organization structure. Their
# control plane is global, so they are ``global``, never put in the provider's region.
# (provider → type-name prefixes; an entry ending in "_" is a prefix, else a whole name.)
GLOBAL_TYPES: dict[str, tuple[str, ...]] = {
    "aws": (
        "aws_iam_",
        "aws_organizations_",
        "aws_cloudfront_",
        "aws_globalaccelerator_",
        "aws_budgets_",
        "aws_route53_zone",
        "aws_route53_record",
        "aws_route53_health_check",
        "aws_route53_delegation_set",
        "aws_route53_key_signing_key",
        "aws_route53_hosted_zone_dnssec",
        "aws_route53_traffic_policy",
        "aws_route53_traffic_policy_instance",
        "aws_route53domains_",
        "aws_route53recoverycontrolconfig_",
        "aws_route53recoveryreadiness_",
    ),
    "google": (
        "google_project",
        "google_project_iam_",
        "google_project_service",
        "google_organization_",
        "google_folder",
        "google_folder_iam_",
        "google_billing_",
        "google_iam_",
        "google_service_account",
        "google_service_account_",
        "google_dns_",
        "google_compute_network",
        "google_compute_network_peering",
        "google_compute_firewall",
        "google_compute_route",
        "google_compute_global_",
    ),
    "azurerm": (
        "azurerm_role_",
        "azurerm_management_group",
        "azurerm_management_group_",
        "azurerm_policy_definition",
        "azurerm_policy_set_definition",
        "azurerm_dns_",
        "azurerm_private_dns_",
        "azurerm_cdn_frontdoor_",
        "azurerm_frontdoor",
        "azurerm_frontdoor_",
    ),
    "alicloud": (
        "alicloud_ram_",
        "alicloud_resource_manager_",
        "alicloud_alidns_",
        "alicloud_dns_",
        "alicloud_cdn_",
        "alicloud_dcdn_",
        "alicloud_security_center_",
        "alicloud_threat_detection_",
    ),
    "tencentcloud": (
        "tencentcloud_cam_",
        "tencentcloud_dnspod_",
        "tencentcloud_teo_",
        "tencentcloud_vod_",
        "tencentcloud_cdn_",
        "tencentcloud_organization_",
    ),
    "huaweicloud": (
        "huaweicloud_identity_",
        "huaweicloud_dns_",
        "huaweicloud_cdn_",
        "huaweicloud_organizations_",
    ),
}
GLOBAL = "global"

# Arguments that name a resource's parent, for types with no location of their own: a
# table lives in its dataset, a subnet in its network, an object in its bucket. Tried in
# order; the parent must be a resource of the same module (see the walker).
PARENT_ARGS: dict[str, tuple[str, ...]] = {
    "google": (
        "dataset_id",
        "bucket",
        "key_ring",
        "crypto_key",
        "instance",
        "cluster",
        "repository",
        "secret",
        "disk",
    ),
    "azurerm": (
        "virtual_network_name",
        "virtual_network_id",
        "storage_account_name",
        "storage_account_id",
        "server_id",
        "server_name",
        "key_vault_id",
        "account_name",
        "network_security_group_name",
        "kubernetes_cluster_id",
        "virtual_machine_id",
        "namespace_name",
        "namespace_id",
    ),
}

# Arguments that name a zone: the region is the zone's name without its suffix.
ZONE_ARGS = ("availability_zone", "zone", "zone_id", "availability_zones")
_AWS_ZONE = re.compile(r"^([a-z]{2}(-[a-z]+)+-\d+)[a-z]$")
_GCP_ZONE = re.compile(r"^([a-z]+-[a-z]+\d+)-[a-z]$")
# ap-guangzhou-3 (Tencent); cn-hangzhou-h, ap-southeast-1a (Alibaba); cn-north-4a (Huawei).
_NUMBERED_ZONE = re.compile(r"^([a-z]+(-[a-z]+)+(-\d+)?)-\d+$")
_LETTERED_ZONE = re.compile(r"^(?:(.+\d)[a-z]|(.+)-[a-z])$")


# Where each provider's resources usually write their region, for types not in the table.
DEFAULT_REGION_ARGS: dict[str, tuple[str, ...]] = {
    "google": _GCP,
    "google-beta": _GCP,
    "azurerm": _AZ,
    "aws": ("region", "availability_zone"),
    "alicloud": ("region", "region_id", "zone_id", "availability_zone"),
    "tencentcloud": ("region", "availability_zone"),
    "huaweicloud": ("region", "availability_zone"),
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
        schema_default=SCHEMA_DEFAULTS.get(resource_type),
    )


def provider_default(provider: str, label: str) -> tuple[str, str] | None:
    """The provider's own fallback region and the note that says so, or None."""
    default = PROVIDER_DEFAULTS.get(provider)
    if default is None:
        return None
    variables = " or ".join(REGION_ENVIRONMENT.get(provider, ()))
    return default, (
        f"{default}: the {provider} provider's default region, as no {label} block sets "
        f"one; {variables} or a profile overrides it (with --terraform-assume-region "
        "assessor reads the variable)"
    )


def is_global(resource_type: str) -> bool:
    """A type with no region (identity, DNS, CDN, organization)."""
    for entry in GLOBAL_TYPES.get(provider_of(resource_type), ()):
        if resource_type == entry or (entry.endswith("_") and resource_type.startswith(entry)):
            return True
    return False


def provider_of(resource_type: str) -> str:
    """``google_storage_bucket`` → ``google``; ``google-beta`` shares the prefix."""
    return resource_type.split("_", 1)[0]


def region_from(value: str, provider: str, zone: bool = False) -> str:
    """Zones and availability zones name their region; locations compare lower-case.
    ``zone`` says the value is known to be a zone (it came from a zone argument)."""
    text = value.strip().lower()
    if zone and provider in ("tencentcloud", "alicloud", "huaweicloud"):
        if provider == "tencentcloud":
            numbered = _NUMBERED_ZONE.match(text)
            return numbered.group(1) if numbered else text
        lettered = _LETTERED_ZONE.match(text)
        return (lettered.group(1) or lettered.group(2)) if lettered else text
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
