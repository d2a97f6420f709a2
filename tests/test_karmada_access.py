"""karmada.access: who signs in to the Karmada API with IAM, and what reaches aws-iam-authenticator's mapping."""

from __future__ import annotations

import pytest
import yaml

from charts.karmada import names
from charts.karmada.iam_authenticator import authenticator_config
from charts.karmada.props import IamIdentity
from eks_karmada import config as app_config
from eks_karmada.chart_props import control_plane_props
from eks_karmada.config import ConfigError, parse_config

ACCOUNT = "111122223333"


def role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def test_the_config_names_the_groups_the_charts_bind():
    assert app_config.BUILT_IN_GROUPS == (names.ADMINS_GROUP, names.EDITORS_GROUP, names.VIEWERS_GROUP)


def test_parent_admins_and_the_deployer_join_the_admins_without_their_paths_unless_listed():
    cfg = parse_config({
        "parent": {"admin_role_arns": [role("aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_1"), role("ops")]},
        "karmada": {"access": {"users": [{"arn": role("ops"), "groups": ["eks-karmada:viewers"]}]}},
    })
    users = {u.arn: u.groups for u in cfg.karmada_users(f"arn:aws:iam::{ACCOUNT}:user/team/dana")}
    assert users == {
        role("ops"): ["eks-karmada:viewers"],  # listed: its own groups win
        role("AWSReservedSSO_Admin_1"): ["eks-karmada:admins"],
        f"arn:aws:iam::{ACCOUNT}:user/dana": ["eks-karmada:admins"],
    }
    assert [u.arn for u in cfg.karmada_users(None)] == [role("ops"), role("AWSReservedSSO_Admin_1")]


@pytest.mark.parametrize(("user", "message"), [
    ({"arn": role("path/dev")}, "is not an IAM role or user ARN without a path"),
    ({"arn": "arn:aws:sts::111122223333:assumed-role/dev/s"}, "is not an IAM role or user ARN"),
    ({"arn": role("dev"), "groups": ["system:masters"]}, "system:masters is the break-glass identity only"),
    ({"arn": role("dev"), "groups": []}, "groups"),
])
def test_a_bad_user_is_one_line_naming_the_field(user, message):
    with pytest.raises(ConfigError) as refused:
        parse_config({"karmada": {"access": {"users": [user]}}})
    assert "karmada.access.users" in str(refused.value) and message in str(refused.value)
    assert "\n" not in str(refused.value)


def test_an_identity_listed_twice_is_refused():
    with pytest.raises(ConfigError, match=r"users\[1\].arn: .* is listed twice"):
        parse_config({"karmada": {"access": {"users": [{"arn": role("dev")}, {"arn": role("dev")}]}}})


def test_the_mapping_signs_role_sessions_in_by_session_and_users_by_arn():
    cfg = parse_config({"parent": {"cluster_name": "fleet"}, "karmada": {"access": {"users": [
        {"arn": role("dev"), "groups": ["eks-karmada:editors", "team-a"]},
        {"arn": f"arn:aws:iam::{ACCOUNT}:user/ci", "groups": ["eks-karmada:viewers"]},
    ]}}})
    mapping = authenticator_config(control_plane_props(cfg, "nlb.example", deployer_arn=role("deployer")))
    assert mapping["clusterID"] == "fleet-karmada" == cfg.karmada_cluster_id
    assert mapping["server"]["mapRoles"] == [
        {"roleARN": role("dev"), "username": f"arn:aws:sts::{ACCOUNT}:assumed-role/dev/{{{{SessionName}}}}",
         "groups": ["eks-karmada:editors", "team-a"]},
        {"roleARN": role("deployer"), "username": f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/{{{{SessionName}}}}",
         "groups": ["eks-karmada:admins"]},
    ]
    assert mapping["server"]["mapUsers"] == [
        {"userARN": f"arn:aws:iam::{ACCOUNT}:user/ci", "username": f"arn:aws:iam::{ACCOUNT}:user/ci",
         "groups": ["eks-karmada:viewers"]}]
    # What the pods read: the ConfigMap's YAML is the same mapping.
    assert yaml.safe_load(yaml.safe_dump(mapping)) == mapping


def test_chart_identities_refuse_what_the_authenticator_cannot_match():
    with pytest.raises(ValueError, match="not an IAM role or user ARN without a path"):
        IamIdentity(arn=role("path/x"), groups=["g"])
    assert IamIdentity(arn="arn:aws-cn:iam::111122223333:role/x", groups=["g"]).mapped_username == \
        "arn:aws-cn:sts::111122223333:assumed-role/x/{{SessionName}}"
