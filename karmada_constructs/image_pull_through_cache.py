"""The ECR pull-through cache rules of one registry (account and region), and the repositories they make."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Role vs IRole):
# pyright: reportArgumentType=false
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import custom_resources as cr
from constructs import Construct

from karmada_constructs.deploy_time_lookup import DeployTimeLookup, DeployTimeLookupProps
from karmada_constructs.nag import acknowledge, acknowledge_aws_custom_resource, finding_arn

# What a cluster's nodes need beyond pulling (AmazonEC2ContainerRegistryReadOnly) for a pull-through cache: fetch an
# image from upstream into the registry, and create its repository on the first pull.
PULL_THROUGH_ACTIONS = ("ecr:BatchImportUpstreamImage", "ecr:CreateRepository")


@dataclass(frozen=True, kw_only=True)
class CachedRegistry:
    """One upstream registry the cache serves (AWS::ECR::PullThroughCacheRule)."""
    prefix: str
    """The ECR repository prefix: `<prefix>/<path>` caches `<path>` of the upstream (the upstream's host here)."""
    upstream_registry: str
    """UpstreamRegistry: k8s, quay, ecr-public, docker-hub..."""
    upstream_url: str
    """UpstreamRegistryUrl, e.g. registry.k8s.io or registry-1.docker.io."""
    credential_secret_name: str | None = None
    """Name of the Secrets Manager secret (ecr-pullthroughcache/...) in this account and region holding the upstream's
    credentials. Default: none, an upstream that needs none."""


@dataclass(frozen=True, kw_only=True)
class ImagePullThroughCacheProps:
    """Properties of `ImagePullThroughCache`."""
    registries: Sequence[CachedRegistry]
    """The upstreams to cache, one rule each."""
    keep_images: int = 10
    """Images each cached repository keeps; its lifecycle policy expires the oldest beyond. Default: 10."""


class ImagePullThroughCache(Construct):
    """The pull-through cache rules of the stack's registry, and what the repositories they create look like.

    For each upstream: an `AWS::ECR::PullThroughCacheRule` with the upstream's prefix, and an
    `AWS::ECR::RepositoryCreationTemplate` for the same prefix, applied when the cache creates a repository on the
    first pull: encryption under a customer managed KMS key of this construct (rotated yearly; kept when the stack
    goes, since the repositories ECR made outlive it), immutable tags (a tag the cache holds is never replaced by a
    moved upstream tag: ECR documents that it then does not update it) and a lifecycle policy that keeps the newest
    `keep_images` images. No repository policy: only this account's principals with IAM permissions pull. No resource
    tags: ECR fails pull-through creations whose template tags the repository (aws/containers-roadmap#2398).

    Rules and templates belong to the registry (one per account and region) and are keyed by prefix: exactly one
    stack per account and region may hold this construct. The nodes that pull get `grant_pull_through`.
    """

    def __init__(self, scope: Construct, id: str, props: ImagePullThroughCacheProps) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        self.prefixes = [registry.prefix for registry in props.registries]
        self.key = kms.Key(
            self, "RepositoryKey",
            description=f"Encryption of the ECR pull-through cache repositories ({', '.join(self.prefixes)})",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # ECR assumes this role to create a repository under a template that names a KMS key.
        self.creation_role = iam.Role(
            self, "RepositoryCreationRole",
            assumed_by=iam.ServicePrincipal("ecr.amazonaws.com", conditions={
                "StringEquals": {"aws:SourceAccount": stack.account}}),
            description="ECR creates the pull-through cache repositories, encrypted by the cache key, as this role",
        )
        self.creation_role.add_to_policy(iam.PolicyStatement(
            actions=["ecr:CreateRepository"], resources=[_repositories(stack, p) for p in self.prefixes]))
        self.creation_role.add_to_policy(iam.PolicyStatement(
            actions=["kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"], resources=[self.key.key_arn]))
        lifecycle = json.dumps({"rules": [{
            "rulePriority": 1,
            "description": f"Keep the newest {props.keep_images} images",
            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": props.keep_images},
            "action": {"type": "expire"},
        }]}, sort_keys=True)
        self.rules: list[ecr.CfnPullThroughCacheRule] = []
        for registry in props.registries:
            name = registry.upstream_registry.title().replace("-", "")
            template = ecr.CfnRepositoryCreationTemplate(
                self, f"{name}Template",
                prefix=registry.prefix,
                applied_for=["PULL_THROUGH_CACHE"],
                description=f"Repositories of the pull-through cache of {registry.upstream_url}",
                encryption_configuration=ecr.CfnRepositoryCreationTemplate.EncryptionConfigurationProperty(
                    encryption_type="KMS", kms_key=self.key.key_arn),
                image_tag_mutability="IMMUTABLE",
                lifecycle_policy=lifecycle,
                custom_role_arn=self.creation_role.role_arn,
            )
            # The role's permissions exist before ECR creates a repository under the template (the role itself
            # through the template's GetAtt).
            template.node.add_dependency(self.creation_role.node.find_child("DefaultPolicy"))
            rule = ecr.CfnPullThroughCacheRule(
                self, f"{name}Rule",
                ecr_repository_prefix=registry.prefix,
                upstream_registry=registry.upstream_registry,
                upstream_registry_url=registry.upstream_url,
                credential_arn=self._secret_arn(registry) if registry.credential_secret_name else None,
            )
            # The first pull already finds the template.
            rule.node.add_dependency(template)
            self.rules.append(rule)
        for prefix in self.prefixes:
            acknowledge(self.creation_role,
                        f"AwsSolutions-IAM5[Resource::{finding_arn(self, 'ecr', f'repository/{prefix}/*')}]",
                        f"ECR creates one repository per cached image under {prefix}/, named after the upstream "
                        "image on its first pull; the role may create repositories under this prefix only.")

    def _secret_arn(self, registry: CachedRegistry) -> str:
        """The secret's full ARN (with Secrets Manager's suffix), read at deploy time from its name."""
        stack = Stack.of(self)
        name = registry.credential_secret_name or ""
        pattern = stack.format_arn(service="secretsmanager", resource="secret", resource_name=f"{name}-??????",
                                   arn_format=ArnFormat.COLON_RESOURCE_NAME)
        lookup = DeployTimeLookup(self, f"{registry.upstream_registry.title().replace('-', '')}Secret",
                                  DeployTimeLookupProps(
            call=cr.AwsSdkCall(service="SecretsManager", action="describeSecret", parameters={"SecretId": name},
                               output_paths=["ARN"], physical_resource_id=cr.PhysicalResourceId.of(name)),
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [iam.PolicyStatement(actions=["secretsmanager:DescribeSecret"], resources=[pattern])]),
        ))
        secret_arn = finding_arn(self, "secretsmanager", f"secret:{name}-??????")
        acknowledge(lookup, f"AwsSolutions-IAM5[Resource::{secret_arn}]",
                    "The six wildcard characters are the random suffix Secrets Manager appends to the secret's name; "
                    "the look-up may describe (not read) this one secret.")
        acknowledge_aws_custom_resource(stack)
        return lookup.get_response_field("ARN")

    @staticmethod
    def grant_pull_through(role: iam.IRole, prefixes: Sequence[str]) -> None:
        """Let `role` (a node role in the cache's account and region) fill the cache: import and create, per prefix.

        The ARNs are built in the role's own stack, so no reference crosses stacks.
        """
        stack = Stack.of(role)
        role.add_to_principal_policy(iam.PolicyStatement(
            actions=list(PULL_THROUGH_ACTIONS), resources=[_repositories(stack, prefix) for prefix in prefixes]))
        for prefix in prefixes:
            acknowledge(role, f"AwsSolutions-IAM5[Resource::{finding_arn(role, 'ecr', f'repository/{prefix}/*')}]",
                        f"The nodes pull images through the pull-through cache of {prefix}: the first pull of an "
                        "image creates its repository, named after the upstream image, under this prefix only.")


def _repositories(stack: Stack, prefix: str) -> str:
    return stack.format_arn(service="ecr", resource="repository", resource_name=f"{prefix}/*")

