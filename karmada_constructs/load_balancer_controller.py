"""The AWS Load Balancer Controller that aws_eks_v2 installs, set up so it cannot block other deploys."""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import CfnResource, Duration, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_eks_v2 as eks
from constructs import Construct

from karmada_constructs.cfn import default_child

# Chart v3.x names (templates/_helpers.tpl: namePrefix "aws-load-balancer" + "-webhook-service").
WEBHOOK_SERVICE = "aws-load-balancer-webhook-service"
NAMESPACE = "kube-system"
SERVICE_ACCOUNT = "aws-load-balancer-controller"


@dataclass(frozen=True, kw_only=True)
class LoadBalancerControllerValuesProps:
    """The Helm values of the controller's release."""

    cluster_name: str
    """The cluster the controller runs in."""
    vpc: ec2.IVpc
    """Its VPC."""
    repository: str
    """The image repository (no tag)."""
    version: str
    """The controller version, also the image tag."""
    digest: str | None = None
    """The digest of the image at that tag (sha256:...). Default: none, the image by its tag."""
    chart_repository: str | None = None
    """The chart's repository, e.g. an OCI path ending in /aws-load-balancer-controller (a mirror).
    Default: aws_eks_v2's (the eks-charts Helm repository)."""


def controller_values(scope: Construct, props: LoadBalancerControllerValuesProps) -> dict:
    """The Helm values of the AWS Load Balancer Controller.

    What aws_eks_v2 sets (cluster, region, VPC, its IRSA service account, image) plus `enableServiceMutatorWebhook:
    false`.

    Chart v3.2.2 otherwise registers `mservice.elbv2.k8s.aws` for every Service CREATE with
    failurePolicy Fail: until the controller's pods are ready, every Service anywhere in the cluster
    (cert-manager's, Karmada's) is rejected ("no endpoints available for service
    aws-load-balancer-webhook-service"; kubernetes-sigs/aws-load-balancer-controller#4140). The
    mutator only makes this controller the default for Services of type LoadBalancer, and this app
    creates none: the NLB is CDK's, bound through a TargetGroupBinding.
    """
    return {
        "clusterName": props.cluster_name,
        "serviceAccount": {"create": False, "name": SERVICE_ACCOUNT},
        "region": Stack.of(scope).region,
        "vpcId": props.vpc.vpc_id,
        # The chart (eks-charts) has no digest value: its template writes "<repository>:<tag>", so the digest rides
        # in the tag and the pod's image is "<repository>:<version>@<digest>".
        "image": {"repository": props.repository,
                  "tag": f"{props.version}@{props.digest}" if props.digest else props.version},
        "enableServiceMutatorWebhook": False,
    }


def set_controller_values(controller: eks.AlbController, props: LoadBalancerControllerValuesProps) -> None:
    """Replace the values aws_eks_v2 gives the controller's Helm release with `controller_values`.

    aws_eks_v2 has no option for the webhook settings, so the release's Values property is overridden whole; so is
    its Repository when `chart_repository` is set.
    """
    release = default_child(controller.node.find_child("Resource").node.find_child("Resource"), CfnResource)
    release.add_property_override("Values", Stack.of(controller).to_json_string(controller_values(controller, props)))
    if props.chart_repository:
        release.add_property_override("Repository", props.chart_repository)


@dataclass(frozen=True, kw_only=True)
class LoadBalancerWebhookReadyProps:
    """Properties of `LoadBalancerWebhookReady`."""

    cluster: eks.ICluster
    """The cluster the controller runs in."""
    controller: Construct
    """The controller's Helm release (aws_eks_v2's AlbController); the check runs after it."""
    timeout: Duration = Duration.minutes(5)
    """How long to wait for a ready endpoint. Default: 5 minutes."""


class LoadBalancerWebhookReady(Construct):
    """Waits (up to `timeout`) until the controller's webhook Service has a ready endpoint.

    Waits (up to `timeout`) until the controller's webhook Service has a ready endpoint: the admission webhooks with
    failurePolicy Fail (TargetGroupBinding, Ingress) answer only from then.

    Helm's --wait returns once the Deployment is available, which can be seconds before the
    Service's endpoints list the pod; anything the webhooks intercept goes after this construct.
    """

    def __init__(self, scope: Construct, id: str, props: LoadBalancerWebhookReadyProps) -> None:
        super().__init__(scope, id)
        self.value = eks.KubernetesObjectValue(
            self,
            "Endpoint",
            cluster=props.cluster,
            # The v1 Endpoints API (deprecated, still served in 1.35) has a fixed name per Service;
            # an EndpointSlice's name is generated, and the kubectl provider can only get by name.
            object_type="endpoints",
            object_name=WEBHOOK_SERVICE,
            object_namespace=NAMESPACE,
            json_path=".subsets[0].addresses[0].ip",
            timeout=props.timeout,
        )
        self.value.node.add_dependency(props.controller)
