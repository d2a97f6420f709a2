"""aws-iam-authenticator in every karmada-apiserver pod: people and handlers sign in with their IAM identity.

karmada-apiserver hands each bearer token it cannot verify itself to the authenticator
(``--authentication-token-webhook-config-file``), as EKS does: the token is a presigned STS GetCallerIdentity URL
signed over the header ``x-k8s-aws-id: <cluster id>`` (``aws eks get-token --cluster-name <cluster id>``); the
authenticator calls STS with it, so a token made for another cluster or by anyone else fails there, and maps the
IAM role or user to a username and groups from its ConfigMap. An identity it does not map gets 401; RBAC in the
Karmada API decides what a mapped one may do (charts/karmada/bootstrap.py binds the built-in groups).

* An init container runs the authenticator's own ``init``: it writes a key, a self-signed certificate and the
  webhook kubeconfig into emptyDirs, so the key never leaves the pod and no certificate of ours expires under a
  running server. The server listens on 127.0.0.1 only: nothing outside the pod reaches it.
* A role maps to ``arn:<partition>:sts::<account>:assumed-role/<name>/{{SessionName}}``: the audit log names the
  session (under IAM Identity Center, the person), not just the role.
* A deploy-time handler's role (the registrar) maps to a fixed username, ``eks-karmada:handler:<name>``, and its own
  group, which charts/karmada/handler_rbac.py binds to exactly what the handler does.
* Revoking someone: remove them from ``karmada.access.users`` (or their IAM access to the role) and deploy; tokens
  live at most 15 minutes and karmada-apiserver caches a verdict for 2 minutes.
"""

from __future__ import annotations

from typing import Any

import yaml

from charts.karmada.common.pod import (
    ConfigMapMount,
    Container,
    EmptyDirMount,
    HttpProbe,
    InitContainer,
    Port,
)
from charts.karmada.props import KarmadaControlPlaneProps, Resources

NAME = "aws-iam-authenticator"
CONFIG_MAP = "karmada-iam-authenticator"
CONFIG_KEY = "config.yaml"
PORT = 21362  # the authenticator's default, on 127.0.0.1
HEALTH_PORT = 21363  # fixed in the authenticator (pkg/server)
RESOURCES = Resources(cpu_request="10m", memory_request="32Mi", memory_limit="128Mi")

CONFIG = ConfigMapMount("iam-authenticator-config", CONFIG_MAP, "/etc/aws-iam-authenticator")
STATE = EmptyDirMount("iam-authenticator-state", "/var/aws-iam-authenticator", size_limit="1Mi")
# The webhook kubeconfig, apart from the state so that kube-apiserver never mounts the webhook's key.
WEBHOOK = EmptyDirMount("iam-authenticator-webhook", "/etc/karmada/iam-authenticator", size_limit="1Mi")
WEBHOOK_KUBECONFIG = f"{WEBHOOK.path}/kubeconfig.yaml"


def authenticator_config(props: KarmadaControlPlaneProps) -> dict[str, Any]:
    """The authenticator's config file: cluster id, where init writes, and the identity mappings."""
    roles = [i for i in props.iam_identities if i.is_role]
    users = [i for i in props.iam_identities if not i.is_role]
    return {
        "clusterID": props.iam_cluster_id,
        "server": {
            # Read by `init` (it has no flags for them) and by the server.
            "stateDir": STATE.path,
            "generateKubeconfig": WEBHOOK_KUBECONFIG,
            "address": "127.0.0.1",
            "port": PORT,
            "mapRoles": [{"roleARN": i.arn, "username": i.mapped_username, "groups": list(i.groups)} for i in roles],
            "mapUsers": [{"userARN": i.arn, "username": i.mapped_username, "groups": list(i.groups)} for i in users],
        },
    }


def _command(props: KarmadaControlPlaneProps, verb: str) -> list[str]:
    return [
        "/aws-iam-authenticator",
        verb,
        f"--config={CONFIG.file(CONFIG_KEY)}",
        # init writes where the config says (stateDir, generateKubeconfig) only with this gate; the server then
        # uses what init wrote. The partition is the default, aws: the app deploys to commercial regions only.
        *(["--kubeconfig-pregenerated=true", "--backend-mode=MountedFile"] if verb == "server"
          else ["--feature-gates=ConfiguredInitDirectories=true"]),
        "--log-format=json",
    ]


def init_container(props: KarmadaControlPlaneProps) -> InitContainer:
    """Writes the webhook's key and certificate (state) and kube-apiserver's webhook kubeconfig."""
    return InitContainer(
        name=f"{NAME}-init",
        image=props.iam_authenticator_image,
        pull_policy=props.image_pull_policy,
        command=_command(props, "init"),
        resources=RESOURCES,
        mounts=[CONFIG, STATE, WEBHOOK],
    )


def server_container(props: KarmadaControlPlaneProps) -> Container:
    health = HttpProbe("/healthz", HEALTH_PORT, period=10, timeout=5, failure=3)
    return Container(
        name=NAME,
        image=props.iam_authenticator_image,
        pull_policy=props.image_pull_policy,
        command=_command(props, "server"),
        resources=RESOURCES,
        ports=[Port("healthz", HEALTH_PORT)],
        liveness=health,
        readiness=health,
        mounts=[CONFIG, STATE],
    )


def apiserver_flags() -> list[str]:
    return [
        f"--authentication-token-webhook-config-file={WEBHOOK_KUBECONFIG}",
        # The authenticator answers authentication.k8s.io/v1beta1 TokenReviews only.
        "--authentication-token-webhook-version=v1beta1",
    ]


def config_data(props: KarmadaControlPlaneProps) -> dict[str, str]:
    return {CONFIG_KEY: yaml.safe_dump(authenticator_config(props), sort_keys=False)}
