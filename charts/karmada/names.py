"""Names, ports and paths shared by the Karmada charts.

One source of truth: the PKI issues Secrets under these names, workloads mount
them, Services target these ports, and the tests cross-check all three.
"""

from __future__ import annotations

from charts.karmada.props import KarmadaControlPlaneProps

# --- components (also the Deployment / Service / ServiceAccount names) ---------
ETCD = "etcd"
APISERVER = "karmada-apiserver"
AGGREGATED_APISERVER = "karmada-aggregated-apiserver"
# The admission karmada-aggregated-apiserver lacks, in front of it (charts/karmada/cluster_guard.py).
CLUSTER_GUARD = "karmada-cluster-guard"
KUBE_CONTROLLER_MANAGER = "karmada-kube-controller-manager"
CONTROLLER_MANAGER = "karmada-controller-manager"
SCHEDULER = "karmada-scheduler"
WEBHOOK = "karmada-webhook"
DESCHEDULER = "karmada-descheduler"
SEARCH = "karmada-search"
METRICS_ADAPTER = "karmada-metrics-adapter"
# The scheduler derives "<prefix>-<member>" from --scheduler-estimator-service-prefix.
ESTIMATOR_PREFIX = "karmada-scheduler-estimator"

# --- etcd ------------------------------------------------------------------------
ETCD_STATEFULSET = "etcd"
ETCD_PEER_SERVICE = "etcd"  # headless, governs the StatefulSet's pod DNS names
ETCD_CLIENT_SERVICE = "etcd-client"
ETCD_CLIENT_PORT = 2379
ETCD_PEER_PORT = 2380
ETCD_METRICS_PORT = 2381

# --- ports -----------------------------------------------------------------------
# Aggregated API servers and the webhook listen on unprivileged 8443 (the
# restricted profile drops NET_BIND_SERVICE); their Services expose 443.
SECURE_PORT = 8443
SERVICE_HTTPS_PORT = 443
KCM_SECURE_PORT = 10257
CONTROLLER_MANAGER_HEALTH_PORT = 10357
SCHEDULER_HEALTH_PORT = 10351
DESCHEDULER_HEALTH_PORT = 10358
WEBHOOK_HEALTH_PORT = 8000
ESTIMATOR_GRPC_PORT = 10352
ESTIMATOR_HEALTH_PORT = 10351
METRICS_PORT = 8080

# --- Secrets issued by cert-manager ------------------------------------------------
CA_SECRET = "karmada-ca"
# Signed by karmada-ca; signs every client certificate of the Karmada API and is the only CA that API trusts for one.
CLIENT_CA_SECRET = "karmada-client-ca"
CLIENT_CA_COMMON_NAME = "karmada-client-ca"
FRONT_PROXY_CA_SECRET = "karmada-front-proxy-ca"
ETCD_CA_SECRET = "karmada-etcd-ca"
SERVICE_ACCOUNT_KEY_SECRET = "karmada-service-account-key"
ETCD_SERVER_SECRET = "karmada-etcd-server"
ETCD_PEER_SECRET = "karmada-etcd-peer"
APISERVER_SERVING_SECRET = "karmada-apiserver-serving"
FRONT_PROXY_CLIENT_SECRET = "karmada-front-proxy-client"
# The lead's Lambda reads tls.crt / tls.key / ca.crt from this Secret.
ADMIN_CLIENT_SECRET = "karmada-admin-client"
# Written once by the KarmadaEncryptionKey handler (functions/encryption_key), never by a chart: it holds the key.
ENCRYPTION_CONFIG_SECRET = "karmada-encryption-config"
ENCRYPTION_CONFIG_KEY = "encryption-config.yaml"


def client_secret(component: str) -> str:
    """Secret with ``component``'s client certificate for the Karmada API."""
    return f"{component}-client"


def agent_client_secret(member: str) -> str:
    """Secret with the karmada-agent client certificate of a Pull-mode member."""
    return f"karmada-agent-{member}-client"


def agent_user(member: str) -> str:
    """The identity karmada-agent of ``member`` has in the Karmada API (as karmadactl register issues it)."""
    return f"system:karmada:agent:{member}"


AGENT_GROUP = "system:karmada:agents"


def serving_secret(component: str) -> str:
    """Secret with ``component``'s serving certificate."""
    return f"{component}-serving"


def etcd_client_secret(component: str) -> str:
    """Secret with ``component``'s client certificate for etcd."""
    return f"{component}-etcd-client"


def estimator_name(member: str) -> str:
    return f"{ESTIMATOR_PREFIX}-{member}"


def member_kubeconfig_secret(member: str) -> str:
    """Secret registration creates for each member (karmadactl's convention)."""
    return f"{member}-kubeconfig"


def push_token_consumers(props: KarmadaControlPlaneProps) -> list[str]:
    """The Deployments that build a Push member's watches once, with the token of that moment (v1.18.2).

    karmada-controller-manager's informers, karmada-search's and karmada-metrics-adapter's caches keep the token
    their client was built with until the process restarts, so a refreshed token reaches them only through a roll.
    karmada-aggregated-apiserver reads the Secret per proxied request and needs none.
    """
    return [CONTROLLER_MANAGER, *([SEARCH] if props.search else []),
            *([METRICS_ADAPTER] if props.metrics_adapter else [])]


# --- failover ------------------------------------------------------------------------
# The ClusterTaintPolicy that taints a not-Ready member NoExecute (bootstrap.py); the fleet guard suspends it.
FAILOVER_TAINT_POLICY = "karmada-cluster-not-ready"
TAINT_NOT_READY = "cluster.karmada.io/not-ready"

# --- issuers ------------------------------------------------------------------------
SELF_SIGNED_ISSUER = "karmada-selfsigned"
CA_ISSUER = "karmada-ca"
CLIENT_CA_ISSUER = "karmada-client-ca"
FRONT_PROXY_CA_ISSUER = "karmada-front-proxy-ca"
ETCD_CA_ISSUER = "karmada-etcd-ca"

# --- ConfigMaps -------------------------------------------------------------------
COMPONENT_KUBECONFIG = "karmada-component-kubeconfig"
COMPONENT_KUBECONFIG_KEY = "karmada.config"
ADMIN_KUBECONFIG = "karmada-admin-kubeconfig"
ADMIN_KUBECONFIG_KEY = "karmada.config"
APISERVER_CONFIG = "karmada-apiserver-config"
AUTHENTICATION_CONFIG_KEY = "authentication-config.yaml"
AUDIT_POLICY_KEY = "audit-policy.yaml"

# --- mount paths inside containers ----------------------------------------------------
PKI_ROOT = "/etc/karmada/pki"
CONFIG_DIR = "/etc/karmada/config"
KUBECONFIG_PATH = f"{CONFIG_DIR}/{COMPONENT_KUBECONFIG_KEY}"
# Where every component mounts its own client-certificate Secret; the shared
# component kubeconfig points at these files.
CLIENT_CERT_DIR = f"{PKI_ROOT}/client"

# --- identities (certificate subjects -> Karmada RBAC) ------------------------------------
# Karmada components authenticate as "system:karmada:<component>" in this
# group; the bootstrap chart binds the group to cluster-admin (revocable and
# auditable, unlike system:masters).
COMPONENT_GROUP = "system:karmada:control-plane"
ADMIN_USER = "system:admin"
# Groups people and roles get from aws-iam-authenticator (karmada.access.users in the app's config).
ADMINS_GROUP = "eks-karmada:admins"
EDITORS_GROUP = "eks-karmada:editors"
VIEWERS_GROUP = "eks-karmada:viewers"
FLEET_VIEWER_ROLE = "eks-karmada:fleet-viewer"
# Deploy-time handlers sign in with their own IAM role (aws-iam-authenticator maps it to a fixed user and group);
# system:masters (the admin client certificate) stays break-glass.
REGISTRAR_USER = "eks-karmada:handler:registrar"
REGISTRAR_GROUP = "eks-karmada:handlers:registrar"
REGISTRAR_ROLE = "eks-karmada:handler:registrar"
# The KarmadaManifest provider (every KarmadaManifest but the bootstrap's RBAC): cluster-admin through a binding.
MANIFEST_APPLIER_USER = "eks-karmada:handler:karmada-manifest"
MANIFEST_APPLIER_GROUP = "eks-karmada:handlers:karmada-manifest"
# Where registrations keep member credentials in Karmada (karmadactl's --cluster-namespace default).
CLUSTER_CREDENTIALS_NAMESPACE = "karmada-cluster"
MASTERS_GROUP = "system:masters"
# Matches the built-in RBAC bootstrap policy of kube-apiserver.
KCM_USER = "system:kube-controller-manager"
FRONT_PROXY_CLIENT_CN = "front-proxy-client"
# The cluster guard asserts the aggregator's request headers onward with a front-proxy certificate of its own.
CLUSTER_GUARD_PROXY_CN = "karmada-cluster-guard"
CLUSTER_GUARD_PROXY_SECRET = "karmada-cluster-guard-front-proxy-client"


def component_user(component: str) -> str:
    return f"system:karmada:{component}"


# --- Karmada API objects (bootstrap) ------------------------------------------------------
CA_BUNDLE_PLACEHOLDER = "${Karmada.CaBundle}"


# --- DNS helpers -------------------------------------------------------------------------
def service_dns_names(name: str, props: KarmadaControlPlaneProps) -> list[str]:
    """Every form in which a client in the host cluster may dial a Service."""
    ns = props.namespace
    return [name, f"{name}.{ns}", f"{name}.{ns}.svc", f"{name}.{ns}.svc.{props.cluster_domain}"]


def service_fqdn(name: str, props: KarmadaControlPlaneProps) -> str:
    return f"{name}.{props.namespace}.svc.{props.cluster_domain}"


def etcd_member_names(props: KarmadaControlPlaneProps) -> list[str]:
    return [f"{ETCD_STATEFULSET}-{i}" for i in range(props.etcd_replicas)]


def etcd_member_fqdn(member: str, props: KarmadaControlPlaneProps) -> str:
    """Stable DNS name a StatefulSet pod gets through the headless Service."""
    return f"{member}.{ETCD_PEER_SERVICE}.{props.namespace}.svc.{props.cluster_domain}"


def etcd_client_urls(props: KarmadaControlPlaneProps) -> str:
    """--etcd-servers: every member, so the client fails over without a Service hop."""
    return ",".join(
        f"https://{etcd_member_fqdn(m, props)}:{ETCD_CLIENT_PORT}" for m in etcd_member_names(props)
    )


def apiserver_internal_url(props: KarmadaControlPlaneProps) -> str:
    return f"https://{service_fqdn(APISERVER, props)}:{props.apiserver_port}"
