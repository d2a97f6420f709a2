"""karmada-apiserver: the federation's kube-apiserver, behind the lead's NLB.

* The NLB's TargetGroupBinding points at Service ``karmada-apiserver`` port
  ``props.apiserver_port`` (container port of the same number).
* People and handlers sign in with their IAM identity through the aws-iam-authenticator beside it
  (charts/karmada/iam_authenticator.py); components keep their client certificates.
* Anonymous requests are accepted ONLY on /livez, /readyz and /healthz (an
  AuthenticationConfiguration ``anonymous.conditions`` list, GA since
  Kubernetes 1.34), so the NLB health check and kubelet probes need no
  credentials while every other anonymous request is rejected with 401.
* TLS 1.2 is the floor, not 1.3: NLB HTTPS health checks fail against targets
  that only accept TLS 1.3. The cipher list is restricted to AEAD suites.
* Secrets are encrypted at rest in etcd (and so in every snapshot) with the key of the parent Secret
  ``karmada-encryption-config``, which the KarmadaEncryptionKey handler writes once (functions/encryption_key):
  the pods wait for it, and no chart or template ever holds the key.
* The audit log (every write by everyone, at Metadata: no bodies, so never a Secret's payload) goes to a file that
  the collector beside it ships to CloudWatch Logs (charts/karmada/audit_shipper.py).
* kube-apiserver reloads its serving certificate, client CA, front-proxy client
  certificate and (per handshake) its etcd client certificate from disk, so
  cert-manager renewals need no restart.
"""

from __future__ import annotations

from typing import Any

import yaml
from constructs import Construct

from charts.karmada import audit_shipper, iam_authenticator, names
from charts.karmada.common.mounts import etcd_client_cert
from charts.karmada.common.objects import checksum, emit_all
from charts.karmada.common.pod import (
    POD_IP,
    ConfigMapMount,
    Container,
    HttpProbe,
    Placement,
    Port,
    SecretMount,
    ServicePort,
    pod_template,
    service,
    standard_deployment_workload,
)
from charts.karmada.common.settings import with_settings
from charts.karmada.foundation import config_map
from charts.karmada.props import KarmadaControlPlaneProps

# Virtual range for ClusterIPs of Service *templates* stored in the Karmada API;
# nothing routes it and Karmada strips clusterIP when propagating, so it is an
# internal constant rather than a prop.
KARMADA_SERVICE_CLUSTER_IP_RANGE = "10.96.0.0/12"

TLS12_CIPHER_SUITES = (
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
)

SERVING_CERT = SecretMount("serving-cert", names.APISERVER_SERVING_SECRET, f"{names.PKI_ROOT}/serving")
ETCD_CLIENT_CERT = etcd_client_cert(names.APISERVER)
# The client CA's certificate only: its key never reaches the container.
CLIENT_CA = SecretMount("client-ca", names.CLIENT_CA_SECRET, f"{names.PKI_ROOT}/client-ca", keys=("tls.crt",))
FRONT_PROXY_CERT = SecretMount(
    "front-proxy-client-cert", names.FRONT_PROXY_CLIENT_SECRET, f"{names.PKI_ROOT}/front-proxy-client"
)
SERVICE_ACCOUNT_KEY = SecretMount(
    "service-account-key", names.SERVICE_ACCOUNT_KEY_SECRET, f"{names.PKI_ROOT}/service-account"
)
CONFIG = ConfigMapMount("apiserver-config", names.APISERVER_CONFIG, "/etc/karmada/apiserver")
ENCRYPTION_CONFIG = SecretMount("encryption-config", names.ENCRYPTION_CONFIG_SECRET, "/etc/karmada/encryption")

HEALTH_PATHS = ("/livez", "/readyz", "/healthz")


def authentication_config(props: KarmadaControlPlaneProps) -> dict[str, Any]:
    # Nothing else: Pull agents arrive with a client certificate, never by bootstrap-token discovery of cluster-info.
    return {
        "apiVersion": "apiserver.config.k8s.io/v1",
        "kind": "AuthenticationConfiguration",
        "anonymous": {"enabled": True, "conditions": [{"path": p} for p in HEALTH_PATHS]},
    }


# The control plane's own identities (client certificates): the components and Karmada's kube-controller-manager, and
# the Pull members' karmada-agents.
_MACHINES_GROUPS = (names.COMPONENT_GROUP, names.AGENT_GROUP)
_READS = ("get", "list", "watch")


def audit_policy() -> dict[str, Any]:
    """What the audit log records: every write by everyone, and every read but the control plane's, at Metadata.

    Metadata: who, what, when, from where and the answer, never a request or response body (so never a Secret's
    payload or a token). Dropped: the health paths, the components' and agents' reads (high volume, low value), and
    the leader-election and heartbeat Lease renewals and Events those machines write every few seconds. A person's
    or handler's write to a Lease or an Event is recorded like any other write.
    """
    def machine_noise() -> list[dict[str, Any]]:
        # A new list for each rule: the YAML holds no anchors for a reader to follow.
        return [
            {"group": "coordination.k8s.io", "resources": ["leases"]},
            {"group": "", "resources": ["events"]},
            {"group": "events.k8s.io", "resources": ["events"]},
        ]

    return {
        "apiVersion": "audit.k8s.io/v1",
        "kind": "Policy",
        "omitStages": ["RequestReceived"],
        "rules": [
            {"level": "None", "nonResourceURLs": ["/healthz*", "/livez*", "/readyz*", "/version"]},
            {"level": "None", "userGroups": list(_MACHINES_GROUPS), "resources": machine_noise()},
            {"level": "None", "users": [names.KCM_USER], "resources": machine_noise()},
            # Controllers' and agents' reads are high volume and low value.
            {"level": "None", "userGroups": list(_MACHINES_GROUPS), "verbs": list(_READS)},
            {"level": "None", "users": [names.KCM_USER], "verbs": list(_READS)},
            # Metadata only: never log Secret payloads or tokens.
            {"level": "Metadata"},
        ],
    }


def config_data(props: KarmadaControlPlaneProps) -> dict[str, str]:
    return {
        names.AUTHENTICATION_CONFIG_KEY: yaml.safe_dump(authentication_config(props), sort_keys=False),
        names.AUDIT_POLICY_KEY: yaml.safe_dump(audit_policy(), sort_keys=False),
    }


def apiserver_command(props: KarmadaControlPlaneProps) -> list[str]:
    return [
        "kube-apiserver",
        "--advertise-address=$(POD_IP)",
        "--bind-address=0.0.0.0",
        f"--secure-port={props.apiserver_port}",
        # --- authentication / authorization ---
        f"--authentication-config={CONFIG.file(names.AUTHENTICATION_CONFIG_KEY)}",
        *iam_authenticator.apiserver_flags(),
        "--authorization-mode=Node,RBAC",
        # The intermediate alone: a certificate karmada-ca signs directly (a serving one) authenticates no one.
        f"--client-ca-file={CLIENT_CA.cert}",
        # Written out: no bootstrap token authenticates here (Pull agents hold client certificates).
        "--enable-bootstrap-token-auth=false",
        # --- serving ---
        f"--tls-cert-file={SERVING_CERT.cert}",
        f"--tls-private-key-file={SERVING_CERT.key}",
        "--tls-min-version=VersionTLS12",
        f"--tls-cipher-suites={','.join(TLS12_CIPHER_SUITES)}",
        # --- storage ---
        f"--etcd-servers={names.etcd_client_urls(props)}",
        f"--etcd-cafile={ETCD_CLIENT_CERT.ca}",
        f"--etcd-certfile={ETCD_CLIENT_CERT.cert}",
        f"--etcd-keyfile={ETCD_CLIENT_CERT.key}",
        f"--encryption-provider-config={ENCRYPTION_CONFIG.file(names.ENCRYPTION_CONFIG_KEY)}",
        "--encryption-provider-config-automatic-reload=true",
        # --- service accounts (tls.crt carries exactly the signing key's public half) ---
        f"--service-account-issuer=https://kubernetes.default.svc.{props.cluster_domain}",
        f"--service-account-key-file={SERVICE_ACCOUNT_KEY.cert}",
        f"--service-account-signing-key-file={SERVICE_ACCOUNT_KEY.key}",
        # kube-apiserver's default, written out: a token of a deleted ServiceAccount is refused.
        "--service-account-lookup=true",
        f"--service-cluster-ip-range={KARMADA_SERVICE_CLUSTER_IP_RANGE}",
        # --- aggregation layer (karmada-aggregated-apiserver, search, metrics-adapter) ---
        f"--proxy-client-cert-file={FRONT_PROXY_CERT.cert}",
        f"--proxy-client-key-file={FRONT_PROXY_CERT.key}",
        f"--requestheader-client-ca-file={FRONT_PROXY_CERT.ca}",
        f"--requestheader-allowed-names={names.FRONT_PROXY_CLIENT_CN},{names.CLUSTER_GUARD_PROXY_CN}",
        "--requestheader-extra-headers-prefix=X-Remote-Extra-",
        "--requestheader-group-headers=X-Remote-Group",
        "--requestheader-username-headers=X-Remote-User",
        # --- admission: there are no pods or volumes in the Karmada API ---
        "--enable-admission-plugins=NodeRestriction",
        "--disable-admission-plugins=StorageObjectInUseProtection,ServiceAccount",
        # Pod templates of propagated workloads may be privileged.
        "--allow-privileged=true",
        # --- load ---
        "--max-requests-inflight=1500",
        "--max-mutating-requests-inflight=500",
        # Rebalance long-lived HTTP/2 connections across replicas behind the NLB.
        "--goaway-chance=0.001",
        # Fail /readyz first, keep serving while the NLB and Service deregister us.
        "--shutdown-delay-duration=20s",
        "--shutdown-send-retry-after=true",
        # --- audit: no request bodies, to the file the shipper beside it reads (or stdout without one) ---
        f"--audit-policy-file={CONFIG.file(names.AUDIT_POLICY_KEY)}",
        *audit_shipper.apiserver_flags(props.audit_shipping),
        "--profiling=false",
        "--logging-format=json",
        "--v=2",
    ]


def apiserver_container(props: KarmadaControlPlaneProps) -> Container:
    port = props.apiserver_port
    audit = [audit_shipper.log_volume(props.audit_shipping)] if props.audit_shipping is not None else []
    return Container(
        name="kube-apiserver",
        image=props.kube_apiserver_image,
        pull_policy=props.image_pull_policy,
        command=apiserver_command(props),
        env=[POD_IP],
        ports=[Port("https", port)],
        mounts=[SERVING_CERT, CLIENT_CA, ETCD_CLIENT_CERT, FRONT_PROXY_CERT, SERVICE_ACCOUNT_KEY, CONFIG,
                ENCRYPTION_CONFIG, iam_authenticator.WEBHOOK, *audit],
        resources=props.resources.apiserver,
        startup=HttpProbe("/livez", port, scheme="HTTPS", period=10, timeout=15, failure=30),
        liveness=HttpProbe("/livez", port, scheme="HTTPS", period=10, timeout=15, failure=6),
        readiness=HttpProbe("/readyz", port, scheme="HTTPS", period=5, timeout=15, failure=3),
    )


def apiserver_manifests(props: KarmadaControlPlaneProps) -> list[dict[str, Any]]:
    data = config_data(props)
    authenticator = iam_authenticator.config_data(props)
    shipping = props.audit_shipping
    shipper = audit_shipper.config_data(shipping) if shipping is not None else {}
    init = iam_authenticator.init_container(props)
    containers = [apiserver_container(props), iam_authenticator.server_container(props)]
    # The authenticator reads its identity mappings once, the shipper its config: a changed one rolls the pods.
    annotations = {"checksum/config": checksum(data, authenticator, *([shipper] if shipper else []))}
    extra = [config_map(names.APISERVER_CONFIG, props, data, names.APISERVER),
             config_map(iam_authenticator.CONFIG_MAP, props, authenticator, names.APISERVER)]
    if shipping is not None:
        # Pod Identity's credentials go to the shipper only.
        annotations[audit_shipper.SKIP_CONTAINERS_ANNOTATION] = ",".join([init.name, *(c.name for c in containers)])
        containers.append(audit_shipper.container(props, shipping))
        extra.append(config_map(audit_shipper.CONFIG_MAP, props, shipper, names.APISERVER))
    template = pod_template(
        names.APISERVER,
        props,
        init_containers=[init],
        containers=containers,
        placement=Placement(zone_hard=True, min_domains=min(len(props.zones), props.apiserver_replicas)),
        annotations=annotations,
        # 20s shutdown delay + in-flight requests.
        termination_grace_seconds=60,
    )
    return with_settings(standard_deployment_workload(
        names.APISERVER,
        props,
        replicas=props.apiserver_replicas,
        template=template,
        extra=extra,
        services=[
            service(
                names.APISERVER,
                names.APISERVER,
                props,
                ports=[ServicePort("https", props.apiserver_port, props.apiserver_port)],
            )
        ],
    ), props.settings.apiserver, container="kube-apiserver")


class KarmadaApiServer(Construct):
    """karmada-apiserver Deployment, Service, PDB, ServiceAccount, its authn/audit ConfigMap and the shipper's."""

    def __init__(self, scope: Construct, id: str, props: KarmadaControlPlaneProps) -> None:
        super().__init__(scope, id)
        emit_all(self, apiserver_manifests(props))
