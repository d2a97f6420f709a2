"""Parent-cluster RBAC for the KarmadaEncryptionKey handler: write the encryption config Secret once."""

from __future__ import annotations

from dataclasses import dataclass

import cdk8s
from cdk8s_plus_27 import k8s
from constructs import Construct

from charts.parent_reader_rbac import group_role


@dataclass(frozen=True)
class EncryptionKeyWriterRbacProps:
    """Properties of `EncryptionKeyWriterRbacChart`."""
    name: str
    group: str
    secret_name: str
    namespace: str = "karmada-system"


class EncryptionKeyWriterRbacChart(cdk8s.Chart):
    """A Role and RoleBinding that let `group` read the one named Secret and create Secrets in the namespace.

    `create` cannot be limited to a name (RBAC has no resourceNames for it); the handler creates only the named
    Secret and never updates or deletes one.
    """

    def __init__(self, scope: Construct, id: str, props: EncryptionKeyWriterRbacProps) -> None:
        super().__init__(scope, id)
        group_role(self, props.name, props.namespace, props.group, [
            k8s.PolicyRule(api_groups=[""], resources=["secrets"], resource_names=[props.secret_name], verbs=["get"]),
            k8s.PolicyRule(api_groups=[""], resources=["secrets"], verbs=["create"]),
        ])
