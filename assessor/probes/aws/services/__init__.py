"""The service readers, one module per AWS service, by the name ``--aws-services`` takes."""

from __future__ import annotations

from assessor.probes.aws.services.awslambda import LambdaReader
from assessor.probes.aws.services.backup import BackupReader
from assessor.probes.aws.services.base import ServiceReader
from assessor.probes.aws.services.directconnect import DirectConnectReader
from assessor.probes.aws.services.dynamodb import DynamoDbReader
from assessor.probes.aws.services.ec2 import Ec2Reader
from assessor.probes.aws.services.ecr import EcrReader
from assessor.probes.aws.services.edges import CloudFrontReader, LoadBalancerReader, VpnReader
from assessor.probes.aws.services.efs import EfsReader
from assessor.probes.aws.services.elasticache import ElastiCacheReader
from assessor.probes.aws.services.kms import KmsReader
from assessor.probes.aws.services.opensearch import OpenSearchReader
from assessor.probes.aws.services.rds import GlobalClusterReader, RdsReader
from assessor.probes.aws.services.redshift import RedshiftReader
from assessor.probes.aws.services.route53 import Route53Reader
from assessor.probes.aws.services.s3 import S3Reader
from assessor.probes.aws.services.secretsmanager import SecretsManagerReader
from assessor.probes.aws.services.tags import ResourceTagsReader

_SERVICE_READERS: tuple[type[ServiceReader], ...] = (
    S3Reader,
    Ec2Reader,
    RdsReader,
    GlobalClusterReader,
    DynamoDbReader,
    KmsReader,
    LambdaReader,
    EcrReader,
    EfsReader,
    BackupReader,
    RedshiftReader,
    ElastiCacheReader,
    OpenSearchReader,
    SecretsManagerReader,
    DirectConnectReader,
    Route53Reader,
    VpnReader,
    CloudFrontReader,
    LoadBalancerReader,
)


def _by_service(
    readers: tuple[type[ServiceReader], ...],
) -> dict[str, tuple[type[ServiceReader], ...]]:
    grouped: dict[str, tuple[type[ServiceReader], ...]] = {}
    for reader in readers:
        grouped[reader.name] = (*grouped.get(reader.name, ()), reader)
    return grouped


# The readers of each service, by the name ``--aws-services`` takes (RDS has two: one
# per region, one per account for global databases).
READERS = _by_service(_SERVICE_READERS)

# Readers that run for the others, not chosen with --aws-services.
HELPERS: tuple[type[ServiceReader], ...] = (ResourceTagsReader,)
