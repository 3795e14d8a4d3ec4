"""The service readers, one module per AWS service, by the name ``--aws-services`` takes."""

from __future__ import annotations

from assessor.probes.aws.services.awslambda import LambdaReader
from assessor.probes.aws.services.backup import BackupReader
from assessor.probes.aws.services.base import ServiceReader
from assessor.probes.aws.services.dynamodb import DynamoDbReader
from assessor.probes.aws.services.ec2 import Ec2Reader
from assessor.probes.aws.services.ecr import EcrReader
from assessor.probes.aws.services.efs import EfsReader
from assessor.probes.aws.services.elasticache import ElastiCacheReader
from assessor.probes.aws.services.kms import KmsReader
from assessor.probes.aws.services.opensearch import OpenSearchReader
from assessor.probes.aws.services.rds import RdsReader
from assessor.probes.aws.services.redshift import RedshiftReader
from assessor.probes.aws.services.s3 import S3Reader
from assessor.probes.aws.services.secretsmanager import SecretsManagerReader
from assessor.probes.aws.services.tags import ResourceTagsReader

READERS: dict[str, type[ServiceReader]] = {
    reader.name: reader
    for reader in (
        S3Reader,
        Ec2Reader,
        RdsReader,
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
    )
}

# Readers that run for the others, not chosen with --aws-services.
HELPERS: tuple[type[ServiceReader], ...] = (ResourceTagsReader,)
