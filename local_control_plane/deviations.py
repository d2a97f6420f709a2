"""Every way the local control plane differs from the rendered objects, in one place, with its reason.

The harness applies these and nothing else: anything not listed here runs exactly as rendered
(command, args, env, volumes at their mountPaths, ports, probes, users, read-only root).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .layout import HOST_ADDRESS

# The local STS's CA certificate, written by `make local` (local_control_plane/sts.py) and looked up with the
# binaries: aws-iam-authenticator's image trusts it as its system roots.
STS_CA_FILE = "local-sts-ca.pem"

# Container images become the pinned binaries built from their Go modules (binaries.py): there is
# no container runtime or registry here. Each image's root filesystem holds only these files (the
# images are distroless: the binary and nothing else), at the paths the image has them.
# Key: the image's repository without registry and tag; value: container path -> built binary.
IMAGE_FILES: dict[str, dict[str, str]] = {
    "etcd": {f"/usr/local/bin/{name}": name for name in ("etcd", "etcdctl", "etcdutl")},
    "kube-apiserver": {"/usr/local/bin/kube-apiserver": "kube-apiserver"},
    "kube-controller-manager": {"/usr/local/bin/kube-controller-manager": "kube-controller-manager"},
    # The AWS Distro for OpenTelemetry collector image, as the audit log shipper beside karmada-apiserver: the
    # collector built with exactly the components of the shipper's configuration (gobuild/audit-log-shipper).
    "aws-observability/aws-otel-collector": {"/awscollector": "audit-log-shipper"},
    "amazon/aws-iam-authenticator": {"/aws-iam-authenticator": "aws-iam-authenticator",
                                     # Its system trust store: the local STS's CA (STS_CA_FILE), not public roots.
                                     "/etc/ssl/certs/ca-certificates.crt": STS_CA_FILE},
    **{
        f"karmada/{name}": {f"/bin/{name}": name}
        for name in (
            "karmada-agent", "karmada-aggregated-apiserver", "karmada-controller-manager", "karmada-descheduler",
            "karmada-metrics-adapter", "karmada-scheduler", "karmada-scheduler-estimator", "karmada-search",
            "karmada-webhook",
        )
    },
}
# The images' default PATH (distroless and the Kubernetes images), used when a command has no slash.
IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

# The AWS CLI image (the backup's upload step) is not a Go binary: its container sees the host's
# /usr and /bin read-only, and the awscli from PyPI in the venv stands in for the image's `aws`.
HOST_TOOL_IMAGES = ("aws-cli/aws-cli",)
# That awscli lives in a venv of its own (`make local`, requirements-awscli.txt: its botocore pin clashes
# with the app's boto3); the kubelet binds it read-only and links its `aws` at /usr/local/bin/aws, where the
# image has it.
AWSCLI_VENV = Path(__file__).resolve().parent.parent / ".venv-awscli"

# Pods made only of these images do not run here: the metrics collector writes to Amazon Managed Service for
# Prometheus, which is not here; the e2e tests scrape the endpoints it would (charts/metrics_collector/
# scrape_targets.py). The same image beside karmada-apiserver (the audit log shipper) runs, as IMAGE_FILES says.
NOT_RUN_IMAGES = ("aws-observability/aws-otel-collector",)

# CloudWatch Logs: a moto server on the bridge's host address (`python -m local_control_plane cloudwatch-logs`), where
# every pod reaches it. `make local` creates the audit log group the shipper's configuration names, as the template's
# AWS::Logs::LogGroup would be.
CLOUDWATCH_LOGS_PORT = 4586
# Containers of these images get the local CloudWatch Logs endpoint and keys it accepts (cloudwatch_logs_env) in place
# of what EKS Pod Identity injects into them.
CLOUDWATCH_LOGS_IMAGES = ("aws-observability/aws-otel-collector",)


def cloudwatch_logs_endpoint() -> str:
    return f"http://{HOST_ADDRESS}:{CLOUDWATCH_LOGS_PORT}"


def cloudwatch_logs_env() -> dict[str, str]:
    """What EKS Pod Identity gives the audit shipper, here for the local CloudWatch Logs.

    The endpoint for CloudWatch Logs only (the AWS SDK's service-specific variable): the rendered configuration
    names no endpoint, and nothing else the container might call is redirected.
    """
    return {
        "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": cloudwatch_logs_endpoint(),
        "AWS_ACCESS_KEY_ID": "local-audit-shipper",
        "AWS_SECRET_ACCESS_KEY": "local-audit-shipper-secret",
    }
# Namespaces of Helm releases that are not installed here (cert-manager): objects rendered into them are not applied.
ABSENT_NAMESPACES = ("cert-manager",)

# EKS access policies (an access entry's, and those DeployTimeAdmin associates) are RBAC bindings of the entry's
# username here (local_control_plane/access_policies.py): the local API servers have no EKS authorizer. Each policy
# the app uses, and the Kubernetes ClusterRole EKS documents it as matching.
ACCESS_POLICY_ROLES = {
    "AmazonEKSClusterAdminPolicy": "cluster-admin",
    "AmazonEKSAdminPolicy": "admin",
    "AmazonEKSEditPolicy": "edit",
    "AmazonEKSViewPolicy": "view",
}
# EKS applies an association some seconds after the call returns (DeployTimeAdmin waits SettleSeconds for it); the
# binding here is in force when the call returns, so the Deployer gives that handler a clock that does not wait.

# Deploy-time values in the rendered files, and what stands for them here.
NLB_DNS_NAME = "karmada-nlb.local.eks-karmada.internal"
# The AMP workspace's endpoint: only the collector reads it, and the collector does not run here (above); a
# teardown still resolves every custom resource's properties, the collector's manifest among them.
AMP_ENDPOINT = "https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-local/"
BACKUP_BUCKET = "eks-karmada-local-etcd-backups"
PLACEHOLDERS: dict[str, str] = {
    # The NLB's DNS name: a local name that resolves (in every pod, and through tls-server-name on
    # the host) to the NLB stand-in, a TCP forwarder to the apiserver pods like the NLB's IP targets.
    "${Nlb.DnsName}": NLB_DNS_NAME,
    "${Nlb.TargetGroupArn}": "arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/local/0",
    "${Ebs.VolumeKeyArn}": "arn:aws:kms:us-east-1:000000000000:key/local",
    # The backup bucket lives in a local S3 (moto server) during the backup drill.
    "${EtcdBackup.BucketName}": BACKUP_BUCKET,
    # The handlers' role ARNs in the Karmada API's aws-iam-authenticator mapping (the registrar's fixed name in the
    # parent's account): the local account and partition, as the Deployer resolves the roles' ARNs.
    "${Parent.AccountId}": "000000000000",
    "${Parent.Partition}": "aws",
}

# Handlers that sign in to the Karmada API with their own role (the registrar) get, in Lambda, the execution role's
# credentials. Locally the Deployer asks the local STS for a session of that role (the ARN the Deployer resolves
# for the function's Role), named this; the tokens they sign are verified by the same local STS the
# authenticator calls, so a wrong mapping or cluster id fails here as in AWS.
HANDLER_SESSION_NAME = "local"


def member_endpoint_placeholder(member: str) -> str:
    """A member's EKS endpoint, known at deploy time: here the member's local API server."""
    return "${Member." + member + ".Endpoint}"


def pod_identity_env(s3_port: int) -> dict[str, str]:
    """What EKS Pod Identity gives the backup and restore pods' AWS CLI containers, here for the local S3.

    In EKS the Pod Identity webhook injects a credentials URI and token into every container not named in
    ``eks.amazonaws.com/skip-containers``; here the drill adds these to exactly those containers: the local S3
    (a moto server on the bridge address, reachable from every pod) and credentials it accepts.
    """
    return {
        "AWS_ENDPOINT_URL": f"http://{HOST_ADDRESS}:{s3_port}",
        "AWS_ACCESS_KEY_ID": "local-etcd-backup",
        "AWS_SECRET_ACCESS_KEY": "local-etcd-backup-secret",
    }


# One pod per Deployment (a second replica adds no behaviour the drills look at and costs memory on a
# 2-core machine). StatefulSets keep their replica count: etcd runs as its three members.
DEPLOYMENT_REPLICAS = 1


@dataclass(frozen=True)
class Deviation:
    """One line of the list `make local` prints and the README shows."""

    what: str
    why: str


DEVIATIONS: tuple[Deviation, ...] = (
    Deviation("container images -> the pinned binaries built from their Go modules (IMAGE_FILES), by repository: "
              "an image through the pull-through cache (${Parent.AccountId}.dkr.ecr.<region>.amazonaws.com/<host>/...) "
              "maps like its upstream",
              "no container runtime or registry here; the binaries are the images' own entry points"),
    Deviation("the app's own images (${ImageAsset.<name>}, DockerImageAssets that `cdk deploy` builds with Docker) -> "
              "the staged asset folder's Go module built with the venv's Go, at its Dockerfile's ENTRYPOINT "
              "(image_assets.py)",
              "no Docker here; the Dockerfile builds the same module with the same Go release (config "
              "karmada.cluster_guard.go_image) onto an empty image"),
    Deviation("Deployments run one replica; StatefulSets keep theirs (etcd: 3 members)",
              "a 2-core machine; the drills exercise one replica per component"),
    Deviation("${Nlb.DnsName} -> karmada-nlb.local.eks-karmada.internal, a TCP forwarder to the apiserver pod",
              "no AWS NLB; TCP passthrough on 443 to port 5443 like the NLB's IP target group"),
    Deviation("Services -> a userspace proxy on a virtual IP per Service (kube-proxy's userspace mode)",
              "no kube-proxy or iptables here; DNS names resolve through each pod's /etc/hosts"),
    Deviation("PersistentVolumeClaims -> a directory per claim under .local/data",
              "no EBS; data outlives pod restarts like a volume"),
    Deviation("cert-manager Issuers/Certificates -> Secrets issued by pki.py; TargetGroupBinding not applied; "
              "objects in namespace cert-manager (the metrics collector's pod discovery Role) not applied",
              "cert-manager and the AWS Load Balancer Controller are Helm charts from the internet"),
    Deviation("the metrics collectors (pods of image aws-observability/aws-otel-collector alone) do not run",
              "no Amazon Managed Service for Prometheus here; the e2e tests scrape the same endpoints "
              "(charts/metrics_collector/scrape_targets.py) with the collector's own client certificate"),
    Deviation(f"CloudWatch Logs -> a moto server on the bridge address, port {CLOUDWATCH_LOGS_PORT} (`python -m "
              "local_control_plane cloudwatch-logs`); `make local` creates the log group the audit shipper's "
              "ConfigMap names; EKS Pod Identity -> AWS_ENDPOINT_URL_CLOUDWATCH_LOGS and static keys in the "
              "containers of image aws-observability/aws-otel-collector (cloudwatch_logs_env)",
              "no AWS here; the shipper beside karmada-apiserver sends the audit log to it with the rendered "
              "configuration, and the e2e tests read it back (no KMS key, retention or IAM policy is checked)"),
    Deviation("EndpointSlices of the parent's Services are written by `make local` from the pods' readiness",
              "the parent has no kube-controller-manager; the handlers read EndpointSlices to find the pods, "
              "whose addresses never change here"),
    Deviation("STS -> the local STS (local_control_plane/sts.py, `python -m local_control_plane sts`) on the bridge's "
              "host address, port 443, every region's sts.<region>.amazonaws.com in the parent pods' /etc/hosts; "
              "image amazon/aws-iam-authenticator trusts the local STS's CA as its system roots",
              "no AWS here; the local STS checks each token's SigV4 signature (key, session, scope, the signed "
              "x-k8s-aws-id) against the local IAM role sessions and users, so an identity cannot be forged"),
    Deviation("a handler's own credentials (the registrar's, for its Karmada API tokens) -> keys of a local STS "
              "session \"local\" of its role; ${Parent.AccountId} -> 000000000000 and ${Parent.Partition} -> aws in "
              "the "
              "authenticator's mapping of that role",
              "no Lambda execution role here; the local STS verifies the tokens those keys sign, so the role's "
              "mapping (user eks-karmada:handler:registrar) and RBAC decide as in AWS"),
    Deviation("AWS identities (EKS access entries) -> client certificates with the entry's groups",
              "no IAM/EKS authenticator; RBAC in the clusters still decides what each identity may do"),
    Deviation("member clusters: etcd + kube-apiserver + kube-controller-manager + kube-scheduler, kwok nodes",
              "no EKS or EC2; kwok marks pods Running on simulated nodes in the member's zones"),
    Deviation("the Karmada CRD tarball -> the pinned module's charts/karmada/_crds packed as the release packs it",
              "no internet; served on loopback to the handler's download step, which checks every file "
              "against the digests pinned in the template as in AWS"),
    Deviation("NetworkPolicies are applied to the parent API but not enforced",
              "no CNI policy engine; Services still reach only the pods they select"),
    Deviation("image aws-cli/aws-cli -> the host's /usr plus awscli from PyPI (.venv-awscli) at /usr/local/bin/aws",
              "no container runtime; the backup's upload and the restore's prepare steps run the same `aws s3 cp` "
              "(and the upload's `aws cloudwatch put-metric-data`)"),
    Deviation("EKS Pod Identity -> AWS_ENDPOINT_URL and static keys of the local S3 in the AWS CLI containers "
              "(pod_identity_env), added by the backup drill; bucket ${EtcdBackup.BucketName} -> " + BACKUP_BUCKET,
              "no IAM, S3 or CloudWatch here: a moto server on the bridge address stands for S3 and CloudWatch (the "
              "upload's count) during the drill"),
    # The traffic scenario (e2e/test_16b_dns_follows_placement.py, e2e/route53.py).
    Deviation("ExternalDNS (image external-dns/external-dns) -> the built binary on the host, one process per member "
              "started by the traffic scenario with the member's kubeconfig and its rendered flags, except "
              "--interval=5s and --metrics-address on a loopback port of its own",
              "member pods are simulated by kwok and never run; a 5 s poll keeps the scenario to seconds per step "
              "(--events reacts to Service changes at once either way)"),
    Deviation("Route 53 -> a moto server in the scenario's process (AWS_ENDPOINT_URL_ROUTE_53, static keys), its "
              "hosted zone created with the config's zone id; records with a SetIdentifier keyed by name, type and "
              "identifier as Route 53 keys them (moto alone deletes every record with the identifier and refuses a "
              "member's repeated CREATE beside another member's record of the same name)",
              "no AWS here; uncorrected, moto kept a member's records from coming back after the failover drill"),
    Deviation("AWS Load Balancer Controller -> the scenario writes each member's Service status.loadBalancer with a "
              "fake NLB hostname of the member's region (k8s-<ns>-<svc>-0123456789.elb.<region>.amazonaws.com)",
              "no NLB here; ExternalDNS aliases that hostname to the region's canonical NLB zone as it would a "
              "real one"),
)
