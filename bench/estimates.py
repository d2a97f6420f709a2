"""Creation-time estimates per CloudFormation resource type, in minutes, each with its basis.

These are model inputs, not measurements of this app: they say how long CloudFormation
typically waits on a resource before it starts the resources that depend on it. Where AWS
documents a number it is cited; where AWS only documents that the create is asynchronous
(the resource goes through a pending/provisioning state), the number is our estimate from
common experience and is labelled "estimate". docs/PERFORMANCE.md renders this table.

Change a value here and every bench number follows; tests/bench pins the model, not these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.assembly import Resource
from functions.resource_types import (
    DEPLOY_TIME_ADMIN,
    KARMADA_MANIFEST,
    KARMADA_MEMBER_REGISTRATION,
    TEARDOWN_CLEANUP,
)


@dataclass(frozen=True)
class Estimate:
    """A deploy-time estimate in minutes and where the number comes from."""
    minutes: float
    basis: str
    sources: tuple[str, ...] = ()


# Per stack: `cdk deploy` creates a change set, waits for it, executes it and polls the stack
# events; with assets already published this is about half a minute before the first
# resource starts and after the last one ends.
STACK_OVERHEAD = Estimate(
    0.5,
    "estimate: change set create + execute + completion polling per stack (cdk deploy)",
    ("https://docs.aws.amazon.com/cdk/v2/guide/ref-cli-cmd-deploy.html",),
)

# The sequential comparison row needs a "join one member" step when the assembly has no
# registration stack for a member yet (`karmadactl join`: a ServiceAccount and RBAC in the
# member, a Cluster object and a Secret in Karmada, then waiting for the cluster to be Ready).
# `cdk deploy` builds and pushes a stack's Docker image assets (the parent's karmada-cluster-guard) before it deploys
# the stack, beside the stacks that stack waits for.
DOCKER_IMAGE_ASSET = Estimate(
    2.0,
    "estimate: docker build of a standard-library Go program (pull the golang image, about 1 min; compile, under "
    "1 min) and push of the ~10 MB image to the CDK assets repository, before the stack's deploy",
    ("https://docs.aws.amazon.com/cdk/v2/guide/assets.html",),
)

JOIN_MEMBER = Estimate(
    1.0,
    "estimate: karmadactl join (objects in the member and in Karmada, Cluster becomes Ready)",
    ("https://karmada.io/docs/userguide/clustermanager/cluster-registration/",),
)

_EKS_CLUSTER_SOURCES = (
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-eks-cluster.html",
    "https://github.com/aws/containers-roadmap/issues/1227",
    "https://easontechtalk.com/unofficial-eks-cluster-creation-performance-across-aws-regions",
)
_VPC_DOCS = ("https://docs.aws.amazon.com/vpc/latest/userguide/what-is-amazon-vpc.html",)
_LAMBDA_STATES = ("https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html",)
_IAM_CONSISTENCY = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency",
)
_CDK_EKS = ("https://docs.aws.amazon.com/cdk/api/v2/python/aws_cdk.aws_eks_v2/README.html",)

BY_TYPE: dict[str, Estimate] = {
    "AWS::EKS::Cluster": Estimate(
        10.0,
        "AWS: 'typically takes between 10 and 15 minutes' (CloudFormation reference, earlier revision); "
        "EKS roadmap #1227 tracks cutting a 15 min average; public per-region measurements 13-16 min. "
        "10 min is the low end: the model is then optimistic in absolute terms, not in the N=100/N=1 ratio",
        _EKS_CLUSTER_SOURCES,
    ),
    "AWS::EKS::Nodegroup": Estimate(
        4.0,
        "estimate: EC2 launch + bootstrap + node Ready; the create waits for the group to be ACTIVE",
        ("https://docs.aws.amazon.com/eks/latest/userguide/create-managed-node-group.html",),
    ),
    "AWS::EKS::Addon": Estimate(
        1.5,
        "estimate: the create waits for the add-on to be ACTIVE (its pods running)",
        ("https://docs.aws.amazon.com/eks/latest/userguide/creating-an-add-on.html",),
    ),
    "AWS::EKS::PodIdentityAssociation": Estimate(0.2, "estimate: synchronous EKS API call",
                                                 ("https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html",)),
    "AWS::EKS::AccessEntry": Estimate(0.2, "estimate: synchronous EKS API call",
                                      ("https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html",)),
    "AWS::EC2::NatGateway": Estimate(
        2.0,
        "estimate: the create waits for pending -> available (documented states, typically 1-3 min)",
        ("https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-working-with.html",),
    ),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": Estimate(
        3.0,
        "estimate: the create waits for provisioning -> active (documented states, typically 2-4 min)",
        ("https://docs.aws.amazon.com/elasticloadbalancing/latest/network/network-load-balancers.html#load-balancer-state",),
    ),
    "AWS::ElasticLoadBalancingV2::Listener": Estimate(0.1, "estimate: synchronous ELB API call"),
    "AWS::ElasticLoadBalancingV2::TargetGroup": Estimate(0.1, "estimate: synchronous ELB API call"),
    "Custom::AWSCDK-EKS-HelmChart": Estimate(
        2.0,
        "estimate: VPC kubectl Lambda runs `helm upgrade --install --wait` (Wait: true in the template); "
        "1.0 min when Wait is false",
        _CDK_EKS,
    ),
    "Custom::AWSCDK-EKS-KubernetesResource": Estimate(
        0.5, "estimate: VPC kubectl Lambda runs `kubectl apply` (no readiness wait) through the provider framework",
                                                      _CDK_EKS
    ),
    KARMADA_MANIFEST: Estimate(
        1.0,
        "estimate: our handler server-side-applies to the Karmada API and retries until the API answers "
        "(budget 480 s, functions/karmada_manifest/run.py); 2.0 min when it fetches a release archive "
        "(Source: the CRDs) because the first call also waits for the fresh control plane",
    ),
    KARMADA_MEMBER_REGISTRATION: Estimate(
        0.5,
        "estimate: Push (`karmadactl join` equivalent) asks the member's TokenRequest API for two tokens (seconds) "
        "and applies the Cluster and Secrets in Karmada; 2.0 min for Pull (SyncMode: Pull), which waits "
        "for the karmada-agent to register the Cluster (AgentWaitSeconds 300) "
        "(functions/member_registration/handler.py)",
        ("https://karmada.io/docs/userguide/clustermanager/cluster-registration/",),
    ),
    TEARDOWN_CLEANUP: Estimate(
        0.2,
        "estimate: Create does nothing (functions/teardown_cleanup/handler.py); the provider framework's function "
        "invokes the handler: two Lambda invocations. Its work is on delete",
    ),
    DEPLOY_TIME_ADMIN: Estimate(
        0.7,
        "estimate: Grant associates the access policy and waits SettleSeconds (30 s) for EKS to apply it; "
        "Withdraw makes one call (functions/deploy_admin/handler.py); two Lambda invocations each",
    ),
    "Custom::AWS": Estimate(0.3, "estimate: AwsCustomResource Lambda makes one SDK call"),
    "Custom::VpcRestrictDefaultSG": Estimate(0.3, "estimate: CDK custom resource Lambda, two EC2 API calls"),
    "Custom::AWSCDKCfnJson": Estimate(0.2, "estimate: CDK custom resource Lambda, no API calls"),
    "AWS::Lambda::Function": Estimate(
        0.3,
        "estimate: the create waits for Pending -> Active; 1.5 min when in a VPC (VpcConfig: Hyperplane ENIs "
        "are created while Pending)",
        _LAMBDA_STATES + ("https://aws.amazon.com/blogs/compute/announcing-improved-vpc-networking-for-aws-lambda-functions/",),
    ),
    "AWS::Lambda::LayerVersion": Estimate(0.3, "estimate: layer publish from the asset bucket (kubectl layer is tens "
                                               "of MB)"),
    "AWS::IAM::Role": Estimate(0.3, "estimate: CloudFormation waits out IAM propagation before dependents",
                               _IAM_CONSISTENCY),
    "AWS::IAM::Policy": Estimate(0.3, "estimate: as for roles", _IAM_CONSISTENCY),
    "AWS::IAM::ManagedPolicy": Estimate(0.3, "estimate: as for roles", _IAM_CONSISTENCY),
    "AWS::IAM::OIDCProvider": Estimate(0.2, "estimate: synchronous IAM API call", _IAM_CONSISTENCY),
    "AWS::KMS::Key": Estimate(0.5, "estimate: key creation + key policy + rotation settings",
                              ("https://docs.aws.amazon.com/kms/latest/developerguide/create-keys.html",)),
    "AWS::EC2::VPC": Estimate(0.3, "estimate: VPC and its attributes (DNS settings)", _VPC_DOCS),
    "AWS::EC2::Subnet": Estimate(0.1, "estimate: synchronous EC2 API call", _VPC_DOCS),
    "AWS::EC2::RouteTable": Estimate(0.1, "estimate: synchronous EC2 API call", _VPC_DOCS),
    "AWS::EC2::Route": Estimate(0.1, "estimate: synchronous EC2 API call", _VPC_DOCS),
    "AWS::EC2::SubnetRouteTableAssociation": Estimate(0.1, "estimate: synchronous EC2 API call", _VPC_DOCS),
    "AWS::EC2::InternetGateway": Estimate(0.2, "estimate: synchronous EC2 API call", _VPC_DOCS),
    "AWS::EC2::VPCGatewayAttachment": Estimate(0.3, "estimate: attach and wait for 'attached'", _VPC_DOCS),
    "AWS::EC2::EIP": Estimate(0.1, "estimate: synchronous EC2 API call", _VPC_DOCS),
    "AWS::EC2::SecurityGroup": Estimate(0.2, "estimate: synchronous EC2 API calls (group + rules)", _VPC_DOCS),
    "AWS::EC2::SecurityGroupIngress": Estimate(0.1, "estimate: synchronous EC2 API call", _VPC_DOCS),
    "AWS::EC2::SecurityGroupEgress": Estimate(0.1, "estimate: synchronous EC2 API call", _VPC_DOCS),
    "AWS::EC2::FlowLog": Estimate(0.2, "estimate: synchronous EC2 API call", _VPC_DOCS),
    "AWS::EC2::LaunchTemplate": Estimate(0.1, "estimate: synchronous EC2 API call"),
    "AWS::S3::Bucket": Estimate(0.3, "estimate: bucket creation + its settings (encryption, versioning, public access "
                                     "block)"),
    "AWS::S3::BucketPolicy": Estimate(0.1, "estimate: synchronous S3 API call"),
    "AWS::Logs::LogGroup": Estimate(0.1, "estimate: synchronous CloudWatch Logs API call"),
    "AWS::SSM::Parameter": Estimate(0.1, "estimate: synchronous SSM API call"),
    "AWS::CDK::Metadata": Estimate(0.0, "not created in AWS (CDK version reporting)"),
}

DEFAULT = Estimate(0.5, "estimate for a type not in the table (listed as 'unestimated' in the bench output)")
CUSTOM_DEFAULT = Estimate(0.5, "estimate for a custom resource type not in the table")


def minutes(resource: Resource) -> float:
    """Modelled creation time of one resource, refined by the properties that change it."""
    props: dict[str, Any] = resource.properties
    if resource.type == "AWS::Lambda::Function" and props.get("VpcConfig"):
        return 1.5
    if resource.type == "Custom::AWSCDK-EKS-HelmChart" and props.get("Wait") in (False, "false"):
        return 1.0
    if resource.type == KARMADA_MANIFEST and props.get("Source"):
        return 2.0
    if resource.type == KARMADA_MEMBER_REGISTRATION and props.get("SyncMode") == "Pull":
        return 2.0
    return estimate_for(resource.type).minutes


def estimate_for(resource_type: str) -> Estimate:
    if resource_type in BY_TYPE:
        return BY_TYPE[resource_type]
    return CUSTOM_DEFAULT if resource_type.startswith("Custom::") else DEFAULT


def is_estimated(resource_type: str) -> bool:
    return resource_type in BY_TYPE
