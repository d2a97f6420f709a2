"""An EKS cluster with a managed node group, hardened the same way for parent and members."""

# jsii's aws_cdk classes do not match their own interface Protocols under pyright (Cluster vs ICluster, Role vs IRole):
# pyright: reportArgumentType=false, reportReturnType=false
from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from aws_cdk import CfnCondition, CfnResource, RemovalPolicy, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from aws_cdk import aws_kms as kms
from aws_cdk.lambda_layer_kubectl_v34 import KubectlV34Layer
from aws_cdk.lambda_layer_kubectl_v35 import KubectlV35Layer
from constructs import Construct

from karmada_constructs.cfn import cfn_element, default_child, drop_dependencies_inside
from karmada_constructs.eks_log_group import EksControlPlaneLogGroup, EksControlPlaneLogGroupProps
from karmada_constructs.load_balancer_controller import (
    LoadBalancerControllerValuesProps,
    LoadBalancerWebhookReady,
    LoadBalancerWebhookReadyProps,
    set_controller_values,
)
from karmada_constructs.load_balancer_controller_policy import LoadBalancerControllerPolicyProps, controller_policy
from karmada_constructs.nag import acknowledge

# The kubectl layer must match the cluster's minor version (a mismatch breaks
# pruning and can wedge a stack in UPDATE_ROLLBACK_FAILED), so both come from
# the one config value versions.kubernetes.
KUBECTL_LAYERS = {"1.34": KubectlV34Layer, "1.35": KubectlV35Layer}


@dataclass(frozen=True, kw_only=True)
class NodeGroupProps:
    """The managed node group of an `EksCluster`."""
    instance_types: list[str]
    """EC2 instance types of the managed node group."""
    min_size: int
    """Fewest nodes."""
    desired_size: int
    """Nodes at creation."""
    max_size: int
    """Most nodes."""
    root_volume_gib: int
    """Encrypted gp3 root volume size per node (GiB)."""


@dataclass(frozen=True, kw_only=True)
class EksClusterProps:
    """Properties of `EksCluster`."""
    cluster_name: str
    """The EKS cluster's name."""
    kubernetes_version: str
    """Kubernetes minor version; also picks the kubectl layer (KUBECTL_LAYERS)."""
    vpc: ec2.IVpc
    """The VPC; the cluster and nodes use its private subnets."""
    node_group: NodeGroupProps
    """The managed node group."""
    private_endpoint: bool = True
    """A private API endpoint in the VPC. Default: True."""
    public_cidrs: list[str] = field(default_factory=list)
    """Networks admitted to the public endpoint; empty: no public endpoint. Default: none."""
    admin_role_arns: list[str] = field(default_factory=list)
    """IAM roles given cluster-admin access entries. Default: none."""
    deployer_arn: str | None = None
    """The IAM role or user that deploys, given a cluster-admin access entry too (so the person who waited for
    the deploy can use the cluster). Default: none."""
    pod_identity_agent_version: str | None = None
    """Pinned eks-pod-identity-agent add-on build. Default: aws_eks_v2's (unpinned)."""
    load_balancer_controller_version: str | None = None
    """Install the AWS Load Balancer Controller at this version. Default: not installed."""
    load_balancer_controller_repository: str = "public.ecr.aws/eks/aws-load-balancer-controller"
    """The controller's image repository. Default: the chart's own."""
    load_balancer_controller_digest: str | None = None
    """The digest of the controller's image at its version (`images.digests`). Default: none, by tag."""
    load_balancer_controller_chart_repository: str | None = None
    """The controller's Helm chart repository (a mirror's OCI path). Default: aws_eks_v2's (eks-charts)."""
    log_retention_days: int = 90
    """CloudWatch retention of the control-plane logs. Default: 90."""


class EksCluster(Construct):
    """Creates an EKS cluster and its node group.

    Creates an EKS cluster (aws_eks_v2: native AWS::EKS::Cluster, API authentication mode with access entries) with:

    - envelope encryption of Secrets under a rotating KMS key,
    - every control-plane log type sent to CloudWatch, into /aws/eks/<name>/cluster,
      made ready first under the stack's log key with retention and deleted after
      the cluster (EksControlPlaneLogGroup: adopted, not owned, as EKS may recreate it),
    - an endpoint that is private, public for listed CIDRs only, or both,
    - a kubectl handler in the private subnets, with the layer matching the version,
    - one managed node group over all private subnets (one per AZ) whose launch
      template requires IMDSv2 and gives nodes an encrypted gp3 root volume,
    - the cluster created as soon as its subnets exist, and the node group once
      the private subnets' routes through the NAT gateways do,
    - the EKS Pod Identity agent, and optionally the AWS Load Balancer Controller
      (its Service mutator off, image repository from props) with `load_balancer_webhook_ready`,
      which waits for its admission webhook to answer;

    Node root volumes use the account's EBS encryption key (aws/ebs, rotated by
    AWS every year): they hold the OS, images and ephemeral pod data only
    (Secrets are tmpfs and envelope-encrypted in etcd), and a customer managed
    key there would need a key policy naming the AutoScaling service-linked
    role, which a fresh account does not have until its first Auto Scaling group.
    """

    def __init__(self, scope: Construct, id: str, props: EksClusterProps) -> None:
        super().__init__(scope, id)
        private_subnets = props.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS).subnets
        self.secrets_key = kms.Key(
            self,
            "SecretsKey",
            description=f"Envelope encryption of Kubernetes Secrets in {props.cluster_name}",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.control_plane_logs = EksControlPlaneLogGroup(self, "ControlPlaneLogs", EksControlPlaneLogGroupProps(
            cluster_name=props.cluster_name, retention_days=props.log_retention_days))
        self.cluster = self._add_cluster(props, private_subnets)
        # aws_eks_v2 makes a cluster with a private endpoint wait for the whole VPC (NAT gateways, routes, flow log);
        # EKS needs the subnets it references. The node group and the Lambdas in the VPC wait for the routes.
        drop_dependencies_inside(default_child(self.cluster, CfnResource), props.vpc)
        self.load_balancer_webhook_ready = self._set_up_load_balancer_controller(props)
        # EKS writes into the group if it exists when logging is enabled; deleted after the cluster.
        default_child(self.cluster, CfnResource).node.add_dependency(*self.control_plane_logs.dependable)
        if props.pod_identity_agent_version:
            # aws_eks_v2 adds the agent add-on unpinned; pin it like every other add-on.
            agent = default_child(self.pod_identity_agent, CfnResource)
            agent.add_property_override("AddonVersion", props.pod_identity_agent_version)
        admins = [(f"Admin{index}", arn) for index, arn in enumerate(props.admin_role_arns)]
        # Without an entry for a human, CloudFormation's execution role would be the cluster's only admin.
        if props.deployer_arn and props.deployer_arn not in props.admin_role_arns:
            admins.append(("Deployer", props.deployer_arn))
        for access_id, principal_arn in admins:
            self.cluster.grant_access(
                access_id,
                principal_arn,
                [eks.AccessPolicy.from_access_policy_name(
                    "AmazonEKSClusterAdminPolicy", access_scope_type=eks.AccessScopeType.CLUSTER
                )],
            )
        self.node_group = self._add_node_group(props.node_group, private_subnets)
        # Nodes join and pull images through the NAT gateways: the group waits for the private subnets' routes.
        default_child(self.node_group, CfnResource).node.add_dependency(
            props.vpc.select_subnets(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS).internet_connectivity_established)
        self._acknowledge_managed_parts()

    def _add_cluster(self, props: EksClusterProps, private_subnets: list[ec2.ISubnet]) -> eks.Cluster:
        alb = (
            eks.AlbControllerOptions(
                version=load_balancer_controller_version(props.load_balancer_controller_version),
                policy=controller_policy(LoadBalancerControllerPolicyProps(vpc_id=props.vpc.vpc_id)),
            )
            if props.load_balancer_controller_version
            else None
        )
        return eks.Cluster(
            self,
            "Cluster",
            cluster_name=props.cluster_name,
            version=eks.KubernetesVersion.of(props.kubernetes_version),
            vpc=props.vpc,
            vpc_subnets=[ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)],
            endpoint_access=_endpoint_access(props.private_endpoint, props.public_cidrs),
            secrets_encryption_key=self.secrets_key,
            cluster_logging=[
                eks.ClusterLoggingTypes.API,
                eks.ClusterLoggingTypes.AUDIT,
                eks.ClusterLoggingTypes.AUTHENTICATOR,
                eks.ClusterLoggingTypes.CONTROLLER_MANAGER,
                eks.ClusterLoggingTypes.SCHEDULER,
            ],
            # The default would be EKS Auto Mode; this app manages its own node group.
            default_capacity_type=eks.DefaultCapacityType.NODEGROUP,
            default_capacity=0,
            kubectl_provider_options=eks.KubectlProviderOptions(
                kubectl_layer=KUBECTL_LAYERS[props.kubernetes_version](self, "KubectlLayer"),
                private_subnets=private_subnets,
            ),
            alb_controller=alb,
        )

    def _set_up_load_balancer_controller(self, props: EksClusterProps) -> LoadBalancerWebhookReady | None:
        """The controller's values (no Service mutator, the configured image) and its webhook check."""
        controller = self.cluster.alb_controller
        if not controller:
            return None
        set_controller_values(controller, LoadBalancerControllerValuesProps(
            cluster_name=self.cluster.cluster_name, vpc=props.vpc,
            repository=props.load_balancer_controller_repository,
            version=props.load_balancer_controller_version or "",
            digest=props.load_balancer_controller_digest,
            chart_repository=props.load_balancer_controller_chart_repository,
        ))
        return LoadBalancerWebhookReady(self, "LoadBalancerWebhookReady",
                                        LoadBalancerWebhookReadyProps(cluster=self.cluster, controller=controller))

    def _add_node_group(self, node_group: NodeGroupProps, private_subnets: list[ec2.ISubnet]) -> eks.Nodegroup:
        """One managed node group over the private subnets, IMDSv2 only, encrypted gp3 root volumes."""
        launch_template = ec2.LaunchTemplate(
            self,
            "NodeLaunchTemplate",
            require_imdsv2=True,
            # Hop limit 1: pods (not on the host network) cannot reach the node's
            # instance role; workloads get AWS credentials from Pod Identity instead.
            http_put_response_hop_limit=1,
            block_devices=[
                ec2.BlockDevice(
                    device_name="/dev/xvda",
                    volume=ec2.BlockDeviceVolume.ebs(
                        node_group.root_volume_gib,
                        volume_type=ec2.EbsDeviceVolumeType.GP3,
                        encrypted=True,
                        delete_on_termination=True,
                    ),
                )
            ],
        )
        return self.cluster.add_nodegroup_capacity(
            "Nodes",
            instance_types=[ec2.InstanceType(t) for t in node_group.instance_types],
            min_size=node_group.min_size,
            desired_size=node_group.desired_size,
            max_size=node_group.max_size,
            ami_type=eks.NodegroupAmiType.AL2023_X86_64_STANDARD,
            subnets=ec2.SubnetSelection(subnets=private_subnets),
            launch_template_spec=eks.LaunchTemplateSpec(
                id=cast(str, launch_template.launch_template_id),  # set on every LaunchTemplate this stack creates
                version=launch_template.latest_version_number,
            ),
            max_unavailable=1,
        )

    @property
    def pod_identity_agent(self) -> eks.IAddon:
        """The EKS Pod Identity Agent add-on aws_eks_v2 gives the cluster."""
        agent = self.cluster.eks_pod_identity_agent
        if agent is None:
            raise ValueError(f"{self.node.path}: the cluster has no EKS Pod Identity Agent add-on")
        return agent

    def _acknowledge_managed_parts(self) -> None:
        """cdk-nag findings on what aws_eks_v2 generates, each with why it stands."""
        cluster = self.cluster
        acknowledge(cluster.role, _managed_policy("AmazonEKSClusterPolicy"),
                    "EKS requires this AWS-maintained policy on the cluster role to manage ENIs and load balancers.")
        for policy in ("AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"):
            acknowledge(self.node_group.role, _managed_policy(policy),
                        f"{policy} is the AWS-maintained minimum a managed node group's nodes need to join the "
                        "cluster, run the VPC CNI and pull images (EKS node IAM role documentation).")
        if cluster.kubectl_provider is not None:
            acknowledge_kubectl_provider(cluster.kubectl_provider)
        if cluster.alb_controller:
            for resource in _LB_CONTROLLER_WILDCARDS:
                acknowledge(
                    cluster.alb_controller,
                    f"AwsSolutions-IAM5[Resource::{resource}]",
                    "The AWS Load Balancer Controller creates load balancers, target groups, listeners, rules and "
                    "security groups whose ARNs are not known in advance (this region and account only): reads "
                    "are unconditioned, creates need its elbv2.k8s.aws/cluster request tag, every later write "
                    "that tag on the resource, except security-group ingress (ec2:Vpc = the cluster's VPC), "
                    "RegisterTargets/DeregisterTargets (a TargetGroupBinding's group is untagged) and WAF/Shield "
                    "associations (authorised on untagged ACLs), as in load_balancer_controller_policy.py.",
                )


def acknowledge_kubectl_provider(provider: eks.IKubectlProvider) -> None:
    """cdk-nag findings on the kubectl handler aws_eks_v2 generates, each with why it stands."""
    handler = provider.node.find_child("Handler")
    stack = Stack.of(provider)
    reason = ("The kubectl handler generated by aws_eks_v2 writes its logs, runs in the VPC when the cluster's "
              "endpoint is private (an existing member's with members[].kubectl_network), and pulls Helm charts "
              "from ECR; AWS maintains these execution policies.")
    for policy in ("service-role/AWSLambdaBasicExecutionRole", "service-role/AWSLambdaVPCAccessExecutionRole"):
        acknowledge(provider, _managed_policy(policy), reason)
    acknowledge(handler, _managed_policy("AmazonEC2ContainerRegistryReadOnly"), reason)
    ecr_public_id = stack.get_logical_id(cfn_element(handler.node.find_child("HasEcrPublic"), CfnCondition))
    acknowledge(
        handler,
        'AwsSolutions-IAM4[Policy::{"Fn::If":["' + ecr_public_id + '",{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},'
        '":iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly"]]},{"Ref":"AWS::NoValue"}]}]',
        reason,
    )
    acknowledge(provider, "AwsSolutions-IAM5[Resource::<" + stack.get_logical_id(default_child(handler, CfnResource))
                + ".Arn>:*]",
                "The provider framework invokes its handler function's versions and aliases (ARN suffix :*).")
    acknowledge(handler, "AwsSolutions-L1",
                "aws_eks_v2 pins the kubectl handler's runtime to the one its kubectl layer is built and tested for.")


def _managed_policy(policy: str) -> str:
    return f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{policy}]"


_HERE = "<AWS::Region>:<AWS::AccountId>"
_LB_CONTROLLER_WILDCARDS = (
    "*",
    f"arn:<AWS::Partition>:ec2:{_HERE}:security-group/*",
    *(f"arn:<AWS::Partition>:elasticloadbalancing:{_HERE}:{kind}" for kind in (
        "loadbalancer/app/*/*", "loadbalancer/net/*/*", "targetgroup/*/*", "listener/app/*/*/*",
        "listener/net/*/*/*", "listener-rule/app/*/*/*", "listener-rule/net/*/*/*")),
)


def load_balancer_controller_version(version: str) -> eks.AlbControllerVersion:
    """The aws-cdk-lib release of a controller version (it carries the matching IAM policy)."""
    return getattr(eks.AlbControllerVersion, "V" + version.removeprefix("v").replace(".", "_"))


def _endpoint_access(private: bool, public_cidrs: list[str]) -> eks.EndpointAccess:
    if not public_cidrs:
        return eks.EndpointAccess.PRIVATE
    if private:
        return eks.EndpointAccess.PUBLIC_AND_PRIVATE.only_from(*public_cidrs)
    return eks.EndpointAccess.PUBLIC.only_from(*public_cidrs)
