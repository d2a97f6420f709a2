"""The handlers' Karmada RBAC (charts/karmada/handler_rbac.py) and their identities in the authenticator's mapping."""

from __future__ import annotations

import pytest
import yaml

from charts.karmada import IamIdentity, KarmadaControlPlaneProps, names
from charts.karmada.bootstrap import bootstrap_manifests, rbac
from charts.karmada.handler_rbac import registrar_rules
from charts.karmada.iam_authenticator import config_data
from eks_karmada.chart_props import manifest_applier_identity, registrar_identity
from functions.member_registration import objects as registration

REGISTRAR_ARN = "arn:aws:iam::123456789012:role/eks-karmada-registrar-karmada-parent-us-east-1"


def _allows(rules: list[dict], group: str, resource: str, verb: str, name: str | None) -> bool:
    """Whether RBAC ``rules`` allow ``verb`` on ``group``/``resource`` (named ``name``), as kube-apiserver decides."""
    for rule in rules:
        if (group in rule["apiGroups"] and resource in rule["resources"] and verb in rule["verbs"]
                and (not rule.get("resourceNames") or name in rule["resourceNames"])):
            return True
    return False


def _covers(held: list[dict], granted: dict) -> bool:
    """Whether ``held`` includes every right of the rule ``granted`` (RBAC's escalation check, without wildcards)."""
    for name in granted.get("resourceNames") or [None]:
        # A right on every name is held only through a rule without resourceNames.
        held_rules = held if name is not None else [r for r in held if not r.get("resourceNames")]
        for group in granted["apiGroups"]:
            for resource in granted["resources"]:
                for verb in granted["verbs"]:
                    if not _allows(held_rules, group, resource, verb, name):
                        return False
    return True


def _registrar_objects(props: KarmadaControlPlaneProps) -> dict[tuple[str, str], dict]:
    return {(o["kind"], o["metadata"].get("namespace", "")): o for o in rbac(props)
            if o["metadata"]["name"] in (names.REGISTRAR_ROLE, names.CLUSTER_CREDENTIALS_NAMESPACE)}


@pytest.mark.parametrize("pull", [["pull-1"], ["pull-1", "edge-1"]])
def test_the_registrar_holds_every_right_of_the_agent_rbac_it_writes(pull):
    rules = registrar_rules(KarmadaControlPlaneProps(pull_members=pull))
    for member in pull:
        for _, body in registration.agent_rbac(member):
            for granted in body.get("rules", []):
                assert _covers(rules, granted), (member, granted)


def test_the_registrar_may_write_only_the_agent_roles_by_name_and_never_escalate_or_bind():
    rules = registrar_rules(KarmadaControlPlaneProps(pull_members=["pull-1"]))
    rbac = "rbac.authorization.k8s.io"
    agent, _, work = registration.agent_role_names("pull-1")
    assert not any(verb in ("escalate", "bind", "impersonate", "*") for r in rules for verb in r["verbs"])
    assert _allows(rules, rbac, "clusterroles", "patch", agent)
    assert not _allows(rules, rbac, "clusterroles", "patch", "cluster-admin")
    assert _allows(rules, rbac, "roles", "delete", work)
    assert not _allows(rules, rbac, "rolebindings", "patch", "anything-else")
    assert _allows(rules, "", "namespaces", "delete", "karmada-es-pull-1")
    assert not _allows(rules, "", "namespaces", "delete", "karmada-system")
    assert not _allows(rules, "", "secrets", "get", None)  # Secrets only through the Role in karmada-cluster


def test_a_push_only_fleet_gives_the_registrar_no_rbac_or_work_rights():
    rules = registrar_rules(KarmadaControlPlaneProps())
    assert {g for r in rules for g in r["apiGroups"]} == {"cluster.karmada.io", ""}
    assert _allows(rules, "cluster.karmada.io", "clusters", "create", None)
    assert not _allows(rules, "", "namespaces", "delete", "karmada-es-push-1")


def test_the_bootstrap_binds_the_registrar_group_and_its_secret_role_in_karmada_cluster():
    objects = _registrar_objects(KarmadaControlPlaneProps(pull_members=["pull-1"]))
    subjects = [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": names.REGISTRAR_GROUP}]
    assert objects[("ClusterRoleBinding", "")]["subjects"] == subjects
    assert objects[("RoleBinding", "karmada-cluster")]["subjects"] == subjects
    assert objects[("Role", "karmada-cluster")]["rules"] == [
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "create", "patch", "delete"]}]
    assert ("Namespace", "") in objects  # karmada-cluster exists before the first registration


def test_the_registrar_role_maps_to_its_fixed_user_and_group():
    props = KarmadaControlPlaneProps(iam_cluster_id="karmada-parent-karmada",
                                     iam_identities=[registrar_identity(REGISTRAR_ARN)])
    mapping = yaml.safe_load(config_data(props)["config.yaml"])["server"]["mapRoles"]
    assert mapping == [{"roleARN": REGISTRAR_ARN, "username": "eks-karmada:handler:registrar",
                        "groups": ["eks-karmada:handlers:registrar"]}]


def test_the_manifest_applier_is_cluster_admin_by_a_binding_in_the_rbac_the_break_glass_certificate_applies():
    props = KarmadaControlPlaneProps()
    bindings = [o for o in rbac(props) if o["kind"] == "ClusterRoleBinding"
                and {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group",
                     "name": names.MANIFEST_APPLIER_GROUP} in o["subjects"]]
    assert [b["roleRef"]["name"] for b in bindings] == ["cluster-admin"]
    # Everything else is applied by the applier itself, after its binding: the later chart holds no RBAC.
    assert not [o for o in bootstrap_manifests(props) if o["apiVersion"].startswith("rbac.authorization.k8s.io/")]


def test_the_manifest_applier_role_maps_to_its_fixed_user_and_group_and_never_system_masters():
    arn = "arn:aws:iam::123456789012:role/eks-karmada-manifest-karmada-parent-us-east-1"
    props = KarmadaControlPlaneProps(iam_cluster_id="karmada-parent-karmada",
                                     iam_identities=[manifest_applier_identity(arn)])
    mapping = yaml.safe_load(config_data(props)["config.yaml"])["server"]["mapRoles"]
    assert mapping == [{"roleARN": arn, "username": "eks-karmada:handler:karmada-manifest",
                        "groups": ["eks-karmada:handlers:karmada-manifest"]}]


@pytest.mark.parametrize("arn", [
    "arn:${Token[AWS.Partition.9]}:iam::${Token[AWS.AccountId.4]}:role/eks-karmada-registrar-x",
    "arn:aws:iam::${Parent.AccountId}:role/eks-karmada-registrar-x",
])
def test_an_arn_known_only_at_deploy_time_is_accepted(arn):
    identity = IamIdentity(arn=arn, username="eks-karmada:handler:registrar", groups=["g"])
    assert identity.is_role and identity.mapped_username == "eks-karmada:handler:registrar"


@pytest.mark.parametrize("arn", [
    "arn:aws:iam::${Parent.AccountId}:role/path/name",  # a path
    "arn:aws:sts::123456789012:assumed-role/name/session",
    "${Token[TOKEN.1]}",
])
def test_other_arns_are_still_refused(arn):
    with pytest.raises(ValueError, match="not an IAM role or user ARN without a path"):
        IamIdentity(arn=arn, groups=["g"])


def test_a_person_still_maps_by_session_name():
    person = IamIdentity(arn="arn:aws:iam::123456789012:role/Admin", groups=["eks-karmada:admins"])
    assert person.mapped_username == "arn:aws:sts::123456789012:assumed-role/Admin/{{SessionName}}"


def test_the_apiserver_checksum_ignores_how_a_deploy_time_token_is_numbered():
    from charts.karmada.common.objects import checksum

    def config(n: int) -> dict:
        return {"roleARN": f"arn:aws:iam::${{Token[AWS.AccountId.{n}]}}:role/eks-karmada-registrar-x"}

    assert checksum(config(4)) == checksum(config(17))
    assert checksum(config(4)) != checksum({"roleARN": "arn:aws:iam::${Token[AWS.AccountId.4]}:role/other"})
