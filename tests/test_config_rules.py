"""Every config rule from both sides: bad cases with exact messages, and valid neighbours.

A table of bad cases, each with its exact one-line message, and a table of valid neighbours that must
load. A check deleted, inverted or loosened fails one of them.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from eks_karmada.config import DEFAULT_CONFIG_PATH, AppConfig, ConfigError, MemberConfig, load_config, parse_config

DEFAULT = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
DELETE = object()
# pkg/features/features.go at v1.18.2, plus the AllAlpha/AllBeta switches every feature gate set takes.
KARMADA_GATES_V1_18_2 = (
    "AllAlpha", "AllBeta", "ContextualLogging", "ControllerPriorityQueue", "CustomizedClusterResourceModeling",
    "Failover", "FederatedQuotaEnforcement", "GracefulEviction", "LoggingAlphaOptions", "LoggingBetaOptions",
    "MultiClusterService", "MultiplePodTemplatesScheduling", "PriorityBasedScheduling", "PropagateDeps",
    "PropagationPolicyPreemption", "ResourceQuotaEstimate", "SchedulingOvercommitProtection",
    "StatefulFailoverInjection", "WorkloadAffinity",
)


def edited(edits: dict) -> dict:
    """The default config with each dotted path (list indexes as numbers) set, or removed with DELETE."""
    data = copy.deepcopy(DEFAULT)
    for path, value in edits.items():
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        node = data
        for key in parents:
            node = node.setdefault(key, {}) if isinstance(node, dict) else node[key]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value
    return data


# Member 0 of the default config turned into each kind, without the settings only a new member reads.
EXISTING = {"members.0.kind": "existing", "members.0.cluster_name": "prod-eks", "members.0.vpc_cidr": DELETE}
EXTERNAL = {"api_endpoint.scheme": "internet-facing", "members.0.kind": "external", "members.0.region": None,
            "members.0.sync_mode": "Pull", "members.0.vpc_cidr": DELETE}
SUBNETS = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1", "subnet-0123456789abcdef2"]
PUBLIC = ["subnet-0123456789abcdefa", "subnet-0123456789abcdefb", "subnet-0123456789abcdefc"]
# The app peers a member only with a parent VPC it created, and only a member VPC it created: a VPC of yours makes
# the members that reach it public (endpoint.parent_access).
PUBLIC_MEMBERS = {"members.0.endpoint.parent_access": "public", "members.1.endpoint.parent_access": "public"}
PARENT_VPC_ALONE = {"parent.vpc_cidr": "10.9.0.0/16",
                    "parent.existing_vpc.vpc_id": "vpc-0123456789abcdef0",
                    "parent.existing_vpc.private_subnet_ids": SUBNETS,
                    "parent.existing_vpc.egress_cidrs": ["203.0.113.7/32"]}
PARENT_VPC = {**PARENT_VPC_ALONE, **PUBLIC_MEMBERS}
MEMBER_VPC = {"members.0.vpc_cidr": "10.5.0.0/16", "members.0.availability_zones": ["us-east-1a", "us-east-1b"],
              "members.0.existing_vpc.vpc_id": "vpc-0123456789abcdef0",
              "members.0.existing_vpc.private_subnet_ids": SUBNETS[:2], "members.0.endpoint.parent_access": "public"}

BAD_CASES = [
    ('kubernetes-unsupported', {'versions.kubernetes': '1.33'},
     "c.yaml: versions.kubernetes: unsupported Kubernetes version '1.33'; use one of 1.34, 1.35"),
    ('karmada-other-minor', {'versions.karmada': 'v1.17.2'},
     "c.yaml: versions.karmada: unsupported Karmada version 'v1.17.2'; use a v1.18.x release such as v1.18.2"),
    ('karmada-patch-without-crd-digests', {'versions.karmada': 'v1.18.0'},
     "c.yaml: versions.karmada: no CRD digests are pinned for Karmada v1.18.0 (pinned: v1.18.2); pin them with: go mod download github.com/karmada-io/karmada@v1.18.0 && .venv/bin/python -m eks_karmada.karmada_crds v1.18.0, then review and commit eks_karmada/karmada_crd_digests.py"),
    ('karmada-not-semver', {'versions.karmada': 'v1.18'},
     "c.yaml: versions.karmada: unsupported Karmada version 'v1.18'; use a v1.18.x release such as v1.18.2"),
    ('karmada-prefix-only', {'versions.karmada': 'v1.180.1'},
     "c.yaml: versions.karmada: unsupported Karmada version 'v1.180.1'; use a v1.18.x release such as v1.18.2"),
    ('kube-components-no-v', {'versions.kube_components': '1.35.2'},
     "c.yaml: versions.kube_components: '1.35.2' is not an image tag like v1.35.2; pin an exact version"),
    ('node-types-empty', {'parent.node_group.instance_types': []},
     'c.yaml: parent.node_group.instance_types: list should have at least 1 item after validation, not 0; fix the value in the file'),
    ('node-min-zero', {'parent.node_group.min_size': 0},
     'c.yaml: parent.node_group.min_size: input should be greater than or equal to 1 (got 0); fix the value in the file'),
    ('node-desired-above-max', {'parent.node_group.desired_size': 7},
     'c.yaml: parent.node_group.desired_size: needs min_size <= desired_size <= max_size, got 3/7/6'),
    ('node-desired-below-min', {'parent.node_group.desired_size': 2},
     'c.yaml: parent.node_group.desired_size: needs min_size <= desired_size <= max_size, got 3/2/6'),
    ('root-volume-small', {'parent.node_group.root_volume_gib': 19},
     'c.yaml: parent.node_group.root_volume_gib: input should be greater than or equal to 20 (got 19); fix the value in the file'),
    ('root-volume-large', {'parent.node_group.root_volume_gib': 16385},
     'c.yaml: parent.node_group.root_volume_gib: input should be less than or equal to 16384 (got 16385); fix the value in the file'),
    ('iops-low', {'parent.storage_class.iops': 2999},
     'c.yaml: parent.storage_class.iops: input should be greater than or equal to 3000 (got 2999); fix the value in the file'),
    ('iops-high', {'parent.storage_class.iops': 80001},
     'c.yaml: parent.storage_class.iops: input should be less than or equal to 80000 (got 80001); fix the value in the file'),
    ('throughput-low', {'parent.storage_class.throughput_mibps': 124},
     'c.yaml: parent.storage_class.throughput_mibps: input should be greater than or equal to 125 (got 124); fix the value in the file'),
    ('throughput-high', {'parent.storage_class.throughput_mibps': 2001},
     'c.yaml: parent.storage_class.throughput_mibps: input should be less than or equal to 2000 (got 2001); fix the value in the file'),
    ('lb-controller-unsupported', {'parent.addons.load_balancer_controller': 'v2.8.0'},
     "c.yaml: parent.addons.load_balancer_controller: unsupported controller version 'v2.8.0'; use one of v2.17.1, v3.0.0, v3.1.0, v3.2.0, v3.2.1, v3.2.2"),
    ('scheme-unknown', {'api_endpoint.scheme': 'public'},
     "c.yaml: api_endpoint.scheme: string should match pattern '^(internal|internet-facing)$' (got 'public'); fix the value in the file"),
    ('allowed-cidr-bad', {'api_endpoint.allowed_cidrs': ['10.0.0.0/8', '300.0.0.0/8']},
     "c.yaml: api_endpoint.allowed_cidrs[1]: '300.0.0.0/8' is not a valid CIDR ('300.0.0.0/8' does not appear to be an IPv4 or IPv6 network); write it like 10.0.0.0/16"),
    ('custom-domain-upper', {'api_endpoint.custom_domain': 'Karmada.Example.com'},
     "c.yaml: api_endpoint.custom_domain: 'Karmada.Example.com' is not a DNS name; use a lower-case name such as karmada.example.com"),
    ('custom-domain-single-label', {'api_endpoint.custom_domain': 'karmada'},
     "c.yaml: api_endpoint.custom_domain: 'karmada' is not a DNS name; use a lower-case name such as karmada.example.com"),
    ('api-open-to-world', {'api_endpoint.allowed_cidrs': ['10.0.0.0/8', '0.0.0.0/0']},
     'c.yaml: api_endpoint.allowed_cidrs: 0.0.0.0/0 opens the Karmada API to the internet; list your networks or set allow_anywhere: true'),
    ('api-open-in-halves', {'api_endpoint.allowed_cidrs': ['0.0.0.0/1', '128.0.0.0/1']},
     'c.yaml: api_endpoint.allowed_cidrs: 0.0.0.0/1, 128.0.0.0/1 together cover every IPv4 address, which opens the '
     'Karmada API to the internet; list your networks, or write 0.0.0.0/0 and set allow_anywhere: true'),
    ('api-open-in-quarters', {'api_endpoint.allowed_cidrs': ['0.0.0.0/2', '64.0.0.0/2', '128.0.0.0/2',
                                                              '192.0.0.0/2']},
     'c.yaml: api_endpoint.allowed_cidrs: 0.0.0.0/2, 64.0.0.0/2, 128.0.0.0/2, 192.0.0.0/2 together cover every IPv4 '
     'address, which opens the Karmada API to the internet; list your networks, or write 0.0.0.0/0 and set '
     'allow_anywhere: true'),
    ('api-too-broad', {'api_endpoint.allowed_cidrs': ['10.0.0.0/8', '11.0.0.0/8']},
     'c.yaml: api_endpoint.allowed_cidrs: 10.0.0.0/8, 11.0.0.0/8 admit more than a /8 of IPv4 addresses to the '
     'Karmada API; list your own networks (narrower CIDRs)'),
    ('api-open-ipv6', {'api_endpoint.allowed_cidrs': ['::/0']},
     'c.yaml: api_endpoint.allowed_cidrs: ::/0 opens the Karmada API to the internet; list your networks or set '
     'allow_anywhere: true'),
    ('parent-open-in-ipv6-halves', {'parent.endpoint.public_cidrs': ['::/1', '8000::/1']},
     'c.yaml: parent.endpoint.public_cidrs: ::/1, 8000::/1 together cover every IPv6 address, which opens the EKS '
     'API to the internet; list your networks, or write ::/0 and set allow_anywhere: true'),
    ('parent-endpoint-unreachable', {'parent.endpoint.private': False},
     'c.yaml: parent.endpoint.private: the endpoint would be unreachable; set private: true or list public_cidrs'),
    ('parent-endpoint-open', {'parent.endpoint.public_cidrs': ['0.0.0.0/0']},
     'c.yaml: parent.endpoint.public_cidrs: 0.0.0.0/0 opens the EKS API to the internet; list your networks or set allow_anywhere: true'),
    ('parent-region-unknown', {'parent.region': 'us-east-9'},
     "c.yaml: parent.region: unknown region 'us-east-9'; use an AWS region where EKS runs, e.g. us-east-1"),
    ('parent-account-short', {'parent.account': '12345678901'},
     "c.yaml: parent.account: '12345678901' is not a 12-digit AWS account id; quote it in YAML"),
    ('parent-account-letters', {'parent.account': '12345678901a'},
     "c.yaml: parent.account: '12345678901a' is not a 12-digit AWS account id; quote it in YAML"),
    ('parent-azs-two', {'parent.availability_zones': ['us-east-1a', 'us-east-1b']},
     "c.yaml: parent.availability_zones: needs exactly 3 distinct zones, got ['us-east-1a', 'us-east-1b']; list 3 AZ names"),
    ('parent-azs-duplicate', {'parent.availability_zones': ['us-east-1a', 'us-east-1a', 'us-east-1b']},
     "c.yaml: parent.availability_zones: needs exactly 3 distinct zones, got ['us-east-1a', 'us-east-1a', 'us-east-1b']; list 3 AZ names"),
    ('parent-azs-four', {'parent.availability_zones': ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d']},
     "c.yaml: parent.availability_zones: needs exactly 3 distinct zones, got ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d']; list 3 AZ names"),
    ('parent-az-other-region', {'parent.availability_zones': ['us-east-1a', 'us-east-1b', 'us-west-2c']},
     "c.yaml: parent.availability_zones: 'us-west-2c' is not in region us-east-1; use names like us-east-1a"),
    ('parent-az-not-a-letter', {'parent.availability_zones': ['us-east-1a', 'us-east-1b', 'us-east-11']},
     "c.yaml: parent.availability_zones: 'us-east-11' is not in region us-east-1; use names like us-east-1a"),
    ('cluster-name-digit-first', {'parent.cluster_name': '1parent'},
     "c.yaml: parent.cluster_name: '1parent' is not a valid EKS cluster name; use letters, digits, '-' and '_'"),
    ('cluster-name-dot', {'parent.cluster_name': 'karmada.parent'},
     "c.yaml: parent.cluster_name: 'karmada.parent' is not a valid EKS cluster name; use letters, digits, '-' and '_'"),
    ('nat-zero', {'parent.nat_gateways': 0},
     'c.yaml: parent.nat_gateways: input should be greater than or equal to 1 (got 0); fix the value in the file'),
    ('nat-four', {'parent.nat_gateways': 4},
     'c.yaml: parent.nat_gateways: input should be less than or equal to 3 (got 4); fix the value in the file'),
    ('retention-unlisted', {'parent.log_retention_days': 60},
     'c.yaml: parent.log_retention_days: 60 is not a CloudWatch retention period; use one of 30, 90, 180, 365, 731, 1827'),
    ('admin-arn-user', {'parent.admin_role_arns': ['arn:aws:iam::123456789012:user/alice']},
     "c.yaml: parent.admin_role_arns: 'arn:aws:iam::123456789012:user/alice' is not an IAM role ARN; use arn:aws:iam::<account>:role/<name>"),
    ('admin-arn-short-account', {'parent.admin_role_arns': ['arn:aws:iam::12345:role/admin']},
     "c.yaml: parent.admin_role_arns: 'arn:aws:iam::12345:role/admin' is not an IAM role ARN; use arn:aws:iam::<account>:role/<name>"),
    ('etcd-even', {'karmada.etcd_replicas': 4},
     'c.yaml: karmada.etcd_replicas: 4 etcd replicas tolerate no more failures than 3; use an odd number such as 3 or 5'),
    ('etcd-zero', {'karmada.etcd_replicas': 0},
     'c.yaml: karmada.etcd_replicas: input should be greater than or equal to 1 (got 0); fix the value in the file'),
    ('etcd-nine', {'karmada.etcd_replicas': 9},
     'c.yaml: karmada.etcd_replicas: input should be less than or equal to 7 (got 9); fix the value in the file'),
    ('etcd-volume-zero', {'karmada.etcd_volume_gib': 0},
     'c.yaml: karmada.etcd_volume_gib: input should be greater than or equal to 1 (got 0); fix the value in the file'),
    ('apiserver-one', {'karmada.apiserver_replicas': 1},
     'c.yaml: karmada.apiserver_replicas: input should be greater than or equal to 2 (got 1); fix the value in the file'),
    ('apiserver-eleven', {'karmada.apiserver_replicas': 11},
     'c.yaml: karmada.apiserver_replicas: input should be less than or equal to 10 (got 11); fix the value in the file'),
    ('backup-cron-four-fields', {'karmada.etcd_backup.schedule': '0 */6 * *'},
     "c.yaml: karmada.etcd_backup.schedule: '0 */6 * *' is not a five-field cron schedule; write it like '0 */6 * * *'"),
    ('backup-cron-unknown-macro', {'karmada.etcd_backup.schedule': '@often'},
     "c.yaml: karmada.etcd_backup.schedule: '@often' is not a five-field cron schedule; write it like '0 */6 * * *'"),
    ('guard-outage-zero', {'karmada.fleet_guard.outage_percent': 0},
     'c.yaml: karmada.fleet_guard.outage_percent: input should be greater than or equal to 1 (got 0); fix the value in the file'),
    ('guard-outage-whole-fleet', {'karmada.fleet_guard.outage_percent': 100},
     'c.yaml: karmada.fleet_guard.outage_percent: input should be less than or equal to 99 (got 100); fix the value in the file'),
    ('guard-poll-fast', {'karmada.fleet_guard.poll_seconds': 4},
     'c.yaml: karmada.fleet_guard.poll_seconds: input should be greater than or equal to 5 (got 4); fix the value in the file'),
    ('guard-poll-slow', {'karmada.fleet_guard.poll_seconds': 31},
     'c.yaml: karmada.fleet_guard.poll_seconds: input should be less than or equal to 30 (got 31); fix the value in the file'),
    ('backup-retention-zero', {'karmada.etcd_backup.retention_days': 0},
     'c.yaml: karmada.etcd_backup.retention_days: input should be greater than or equal to 1 (got 0); fix the value in the file'),
    ('backup-retention-long', {'karmada.etcd_backup.retention_days': 3651},
     'c.yaml: karmada.etcd_backup.retention_days: input should be less than or equal to 3650 (got 3651); fix the value in the file'),
    ('backup-image-latest', {'karmada.etcd_backup.aws_cli_image': 'public.ecr.aws/aws-cli/aws-cli:latest'},
     "c.yaml: karmada.etcd_backup.aws_cli_image: 'public.ecr.aws/aws-cli/aws-cli:latest' is not pinned; use a version tag such as public.ecr.aws/aws-cli/aws-cli:2.36.7"),
    ('backup-image-untagged', {'karmada.etcd_backup.aws_cli_image': 'public.ecr.aws/aws-cli/aws-cli'},
     "c.yaml: karmada.etcd_backup.aws_cli_image: 'public.ecr.aws/aws-cli/aws-cli' is not pinned; use a version tag such as public.ecr.aws/aws-cli/aws-cli:2.36.7"),
    ('member-name-upper', {'members.0.name': 'Member'},
     "c.yaml: members[0].name: 'Member' is not a DNS label; use 1-32 lower-case letters, digits and '-'"),
    ('member-name-long', {'members.0.name': 'mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm'},
     "c.yaml: members[0].name: 'mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm' is not a DNS label; use 1-32 lower-case letters, digits and '-'"),
    ('member-name-trailing-dash', {'members.0.name': 'member-'},
     "c.yaml: members[0].name: 'member-' is not a DNS label; use 1-32 lower-case letters, digits and '-'"),
    ('member-new-without-region', {'members.0.region': None},
     'c.yaml: members[0].region: a new member needs a region; add region: <aws-region>'),
    ('member-existing-without-region', {**EXISTING, 'members.0.region': None},
     'c.yaml: members[0].region: an existing member needs a region; add region: <aws-region>'),
    ('member-existing-without-cluster-name', {'members.0.kind': 'existing', 'members.0.vpc_cidr': DELETE},
     'c.yaml: members[0].cluster_name: an existing member needs it; add the EKS cluster name to import'),
    ('member-external-push', {**EXTERNAL, 'members.0.sync_mode': 'Push'},
     'c.yaml: members[0].sync_mode: an external member can only use Pull; set sync_mode: Pull'),
    ('member-new-one-az', {'members.0.availability_zones': ['us-east-1a']},
     'c.yaml: members[0].availability_zones: needs two or three zones, got 1; list two or three AZ names'),
    ('member-new-four-azs', {'members.0.availability_zones': ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d']},
     'c.yaml: members[0].availability_zones: needs two or three zones, got 4; list two or three AZ names'),
    ('member-new-duplicate-azs', {'members.0.availability_zones': ['us-east-1a', 'us-east-1a']},
     "c.yaml: members[0].availability_zones: needs exactly 2 distinct zones, got ['us-east-1a', 'us-east-1a']; list 2 AZ names"),
    ('member-new-az-other-region', {'members.1.availability_zones': ['us-west-2a', 'us-east-1b']},
     "c.yaml: members[1].availability_zones: 'us-east-1b' is not in region us-west-2; use names like us-west-2a"),
    ('member-nat-four', {'members.0.nat_gateways': 4},
     'c.yaml: members[0].nat_gateways: input should be less than or equal to 3 (got 4); fix the value in the file'),
    ('member-duplicate-name', {'members.1.name': 'member-use1'},
     "c.yaml: members[1].name: duplicate member name 'member-use1'; give each member a unique name"),
    ('member-pull-internal', {'members.1.sync_mode': 'Pull'},
     "c.yaml: members[1].sync_mode: a Pull member's agent dials the Karmada API from its own network; set api_endpoint.scheme: internet-facing and admit the member in api_endpoint.allowed_cidrs"),
    ('member-account-bad', {'members.0.account': 'abc'},
     "c.yaml: members[0].account: 'abc' is not a 12-digit AWS account id; quote it in YAML"),
    ('sample-replicas-zero', {'sample_workload.replicas': 0},
     'c.yaml: sample_workload.replicas: input should be greater than or equal to 1 (got 0); fix the value in the file'),
    ('sample-toleration-negative', {'sample_workload.not_ready_toleration_seconds': -1},
     'c.yaml: sample_workload.not_ready_toleration_seconds: input should be greater than or equal to 0 (got -1); fix the value in the file'),
    ('sample-toleration-day-plus', {'sample_workload.not_ready_toleration_seconds': 86401},
     'c.yaml: sample_workload.not_ready_toleration_seconds: input should be less than or equal to 86400 (got 86401); fix the value in the file'),
    ('missing-member-name', {'members.0.name': DELETE},
     'c.yaml: members[0].name: required field is missing; add it'),
    ('unknown-key', {'karmada.etcd_replica': 3},
     'c.yaml: karmada.etcd_replica: unknown key; remove it or fix its spelling (see docs/configuration.md)'),
    ('wrong-type', {'karmada.etcd_replicas': 'three'},
     "c.yaml: karmada.etcd_replicas: input should be a valid integer, unable to parse string as an integer (got 'three'); fix the value in the file"),
    ('list-where-mapping', {'parent.node_group': []},
     'c.yaml: parent.node_group: input should be a valid dictionary or instance of NodeGroupConfig; fix the value in the file'),
    ("sample-members-not-a-member", {"sample_workload.members": ["member-use1", "prod-eu"]},
     "c.yaml: sample_workload.members[1]: 'prod-eu' is not a member; use one of member-use1, member-usw2"),
    ("sample-members-no-members", {"members": [], "sample_workload.members": ["member-use1"]},
     "c.yaml: sample_workload.members[0]: 'member-use1' is not a member; use one of the members (none configured)"),
    ("sample-members-empty", {"sample_workload.members": []},
     "c.yaml: sample_workload.members: lists no member; name at least one, or set enabled: false"),
    ("sample-members-twice", {"sample_workload.members": ["member-usw2", "member-usw2"]},
     "c.yaml: sample_workload.members[1]: 'member-usw2' is listed twice; list each member once"),
    ("sample-namespace-default", {"sample_workload.namespace": "default"},
     "c.yaml: sample_workload.namespace: 'default' is not the sample's own namespace (Karmada skips kube-* and "
     "karmada-*, and default is shared); use e.g. eks-karmada-sample"),
    ("sample-namespace-kube", {"sample_workload.namespace": "kube-sample"},
     "c.yaml: sample_workload.namespace: 'kube-sample' is not the sample's own namespace (Karmada skips kube-* and "
     "karmada-*, and default is shared); use e.g. eks-karmada-sample"),
    ("sample-namespace-karmada", {"sample_workload.namespace": "karmada-sample"},
     "c.yaml: sample_workload.namespace: 'karmada-sample' is not the sample's own namespace (Karmada skips kube-* and "
     "karmada-*, and default is shared); use e.g. eks-karmada-sample"),
    ("sample-namespace-upper", {"sample_workload.namespace": "Sample"},
     "c.yaml: sample_workload.namespace: 'Sample' is not a DNS label; use up to 63 lower-case letters, digits and '-'"),
    ("sample-namespace-long", {"sample_workload.namespace": "s" * 64},
     f"c.yaml: sample_workload.namespace: '{'s' * 64}' is not a DNS label; use up to 63 lower-case letters, digits "
     "and '-'"),
    ("sample-namespace-dash-end", {"sample_workload.namespace": "sample-"},
     "c.yaml: sample_workload.namespace: 'sample-' is not a DNS label; use up to 63 lower-case letters, digits and '-'"),
    ("workloads-module-dash", {"workloads.modules": ["shop", "my-company.workloads"]},
     "c.yaml: workloads.modules[1]: 'my-company.workloads' is not a Python module name; write it like "
     "mycompany.karmada_workloads"),
    ("workloads-module-path", {"workloads.modules": ["../shop.py"]},
     "c.yaml: workloads.modules[0]: '../shop.py' is not a Python module name; write it like "
     "mycompany.karmada_workloads"),
    ("workloads-module-trailing-dot", {"workloads.modules": ["shop."]},
     "c.yaml: workloads.modules[0]: 'shop.' is not a Python module name; write it like mycompany.karmada_workloads"),
    ("workloads-module-digit", {"workloads.modules": ["1shop"]},
     "c.yaml: workloads.modules[0]: '1shop' is not a Python module name; write it like mycompany.karmada_workloads"),
    ("workloads-module-twice", {"workloads.modules": ["shop", "a.b", "shop"]},
     "c.yaml: workloads.modules[2]: 'shop' is listed twice; list each module once"),
    ("backup-image-short-digest", {"karmada.etcd_backup.aws_cli_image": "aws-cli@sha256:abc"},
     "c.yaml: karmada.etcd_backup.aws_cli_image: 'aws-cli@sha256:abc' is not pinned; use a version tag such as public.ecr.aws/aws-cli/aws-cli:2.36.7"),
    # --- karmada.component_settings and karmada.etcd -----------------------------------------------------
    ('cs-replicas-one', {'karmada.component_settings.scheduler.replicas': 1},
     'c.yaml: karmada.component_settings.scheduler.replicas: input should be greater than or equal to 2 (got 1); fix the value in the file'),
    ('cs-replicas-eleven', {'karmada.component_settings.webhook.replicas': 11},
     'c.yaml: karmada.component_settings.webhook.replicas: input should be less than or equal to 10 (got 11); fix the value in the file'),
    ('cs-etcd-replicas', {'karmada.component_settings.etcd.replicas': 3},
     'c.yaml: karmada.component_settings.etcd.replicas: etcd replicas are karmada.etcd_replicas; set that instead'),
    ('cs-apiserver-replicas', {'karmada.component_settings.apiserver.replicas': 3},
     'c.yaml: karmada.component_settings.apiserver.replicas: karmada-apiserver (kube-apiserver) replicas are karmada.apiserver_replicas; set that instead'),
    ('cs-cpu-not-quantity', {'karmada.component_settings.etcd.resources': {'requests': {'cpu': '1 core', 'memory': '1Gi'}, 'limits': {'memory': '2Gi'}}},
     "c.yaml: karmada.component_settings.etcd.resources.requests.cpu: '1 core' is not a CPU quantity; write it like 500m or 2"),
    ('cs-memory-milli', {'karmada.component_settings.etcd.resources': {'requests': {'cpu': '1', 'memory': '512m'}, 'limits': {'memory': '2Gi'}}},
     "c.yaml: karmada.component_settings.etcd.resources.requests.memory: '512m' is 512 thousandths of a byte; write mebibytes as 512Mi"),
    ('cs-memory-not-quantity', {'karmada.component_settings.etcd.resources': {'requests': {'cpu': '1', 'memory': '1Gi'}, 'limits': {'memory': '2gb'}}},
     "c.yaml: karmada.component_settings.etcd.resources.limits.memory: '2gb' is not a memory quantity; write it like 512Mi or 2Gi"),
    ('cs-memory-request-above-limit', {'karmada.component_settings.scheduler.resources': {'requests': {'cpu': '100m', 'memory': '2Gi'}, 'limits': {'memory': '1Gi'}}},
     'c.yaml: karmada.component_settings.scheduler.resources.requests.memory: 2Gi is above limits.memory (1Gi); lower the request or raise the limit'),
    ('cs-cpu-request-above-limit', {'karmada.component_settings.scheduler.resources': {'requests': {'cpu': '1500m', 'memory': '1Gi'}, 'limits': {'memory': '1Gi', 'cpu': '1'}}},
     'c.yaml: karmada.component_settings.scheduler.resources.requests.cpu: 1500m is above limits.cpu (1); lower the request or raise the limit'),
    ('cs-limits-without-memory', {'karmada.component_settings.scheduler.resources': {'requests': {'cpu': '1', 'memory': '1Gi'}, 'limits': {'cpu': '2'}}},
     'c.yaml: karmada.component_settings.scheduler.resources.limits.memory: required field is missing; add it'),
    ('cs-node-selector-key', {'karmada.component_settings.etcd.node_selector': {'node role': 'etcd'}},
     "c.yaml: karmada.component_settings.etcd.node_selector: 'node role: etcd' is not a Kubernetes label; keys are [prefix/]name, values up to 63 letters, digits, '-', '_' and '.'"),
    ('cs-node-selector-value', {'karmada.component_settings.etcd.node_selector': {'role': 'etcd nodes'}},
     "c.yaml: karmada.component_settings.etcd.node_selector: 'role: etcd nodes' is not a Kubernetes label; keys are [prefix/]name, values up to 63 letters, digits, '-', '_' and '.'"),
    ('cs-pod-label-reserved', {'karmada.component_settings.scheduler.pod_labels': {'app.kubernetes.io/name': 'mine'}},
     "c.yaml: karmada.component_settings.scheduler.pod_labels: 'app.kubernetes.io/name' is set by eks-karmada (selectors and versions); use a key outside app.kubernetes.io/"),
    ('cs-annotation-checksum', {'karmada.component_settings.apiserver.pod_annotations': {'checksum/config': 'x'}},
     "c.yaml: karmada.component_settings.apiserver.pod_annotations: 'checksum/config' is not an annotation key of your own; use [prefix/]name, not checksum/*"),
    ('cs-annotation-key', {'karmada.component_settings.apiserver.pod_annotations': {'-team': 'x'}},
     "c.yaml: karmada.component_settings.apiserver.pod_annotations: '-team' is not an annotation key of your own; use [prefix/]name, not checksum/*"),
    ('cs-toleration-operator', {'karmada.component_settings.etcd.tolerations': [{'key': 'dedicated', 'operator': 'In'}]},
     "c.yaml: karmada.component_settings.etcd.tolerations[0].operator: 'In' is not a toleration operator; use Equal or Exists"),
    ('cs-toleration-exists-value', {'karmada.component_settings.etcd.tolerations': [{'key': 'dedicated', 'operator': 'Exists', 'value': 'x'}]},
     'c.yaml: karmada.component_settings.etcd.tolerations[0].value: operator Exists matches any value; remove value or use operator: Equal'),
    ('cs-toleration-equal-no-key', {'karmada.component_settings.etcd.tolerations': [{'value': 'x'}]},
     "c.yaml: karmada.component_settings.etcd.tolerations[0].key: a toleration without a key must use operator: Exists (it then tolerates every taint); add the taint's key"),
    ('cs-toleration-key', {'karmada.component_settings.etcd.tolerations': [{'key': 'dedicated pool', 'value': 'x'}]},
     "c.yaml: karmada.component_settings.etcd.tolerations[0].key: 'dedicated pool' is not a taint key; use a key such as dedicated or example.com/pool"),
    ('cs-toleration-effect', {'karmada.component_settings.etcd.tolerations': [{'key': 'k', 'value': 'v', 'effect': 'NoScheduled'}]},
     "c.yaml: karmada.component_settings.etcd.tolerations[0].effect: 'NoScheduled' is not a taint effect; use NoSchedule, PreferNoSchedule or NoExecute, or leave it out for all"),
    ('cs-toleration-seconds-no-execute', {'karmada.component_settings.etcd.tolerations': [{'key': 'k', 'operator': 'Exists', 'effect': 'NoSchedule', 'toleration_seconds': 30}]},
     'c.yaml: karmada.component_settings.etcd.tolerations[0].toleration_seconds: applies only to effect: NoExecute; set that effect or remove it'),
    ('cs-toleration-seconds-negative', {'karmada.component_settings.etcd.tolerations': [{'key': 'k', 'operator': 'Exists', 'effect': 'NoExecute', 'toleration_seconds': -1}]},
     'c.yaml: karmada.component_settings.etcd.tolerations[0].toleration_seconds: input should be greater than or equal to 0 (got -1); fix the value in the file'),
    ('cs-gate-unknown-karmada', {'karmada.component_settings.scheduler.feature_gates': {'Failovr': True}},
     "c.yaml: karmada.component_settings.scheduler.feature_gates: karmada-scheduler v1.18.2 has no feature gate 'Failovr'; use one of AllAlpha, AllBeta, ContextualLogging, ControllerPriorityQueue, CustomizedClusterResourceModeling, Failover, FederatedQuotaEnforcement, GracefulEviction, LoggingAlphaOptions, LoggingBetaOptions, MultiClusterService, MultiplePodTemplatesScheduling, PriorityBasedScheduling, PropagateDeps, PropagationPolicyPreemption, ResourceQuotaEstimate, SchedulingOvercommitProtection, StatefulFailoverInjection, WorkloadAffinity"),
    ('cs-gate-kube-lowercase', {'karmada.component_settings.apiserver.feature_gates': {'watchList': True}},
     "c.yaml: karmada.component_settings.apiserver.feature_gates: 'watchList' is not a feature gate name of karmada-apiserver (kube-apiserver); gates are CamelCase, like WatchList: true"),
    ('cs-gate-kcm-lowercase', {'karmada.component_settings.kube_controller_manager.feature_gates': {'csr': True}},
     "c.yaml: karmada.component_settings.kube_controller_manager.feature_gates: 'csr' is not a feature gate name of kube-controller-manager; gates are CamelCase, like WatchList: true"),
    ('cs-gate-etcd-lowercase', {'karmada.component_settings.etcd.feature_gates': {'Stop_Defrag': True}},
     "c.yaml: karmada.component_settings.etcd.feature_gates: 'Stop_Defrag' is not a feature gate name of etcd; gates are CamelCase, like WatchList: true"),
    ('cs-gate-unknown-webhook', {'karmada.component_settings.webhook.feature_gates': {'WatchList': True}},
     "c.yaml: karmada.component_settings.webhook.feature_gates: karmada-webhook v1.18.2 has no feature gate 'WatchList'; use one of " + ", ".join(KARMADA_GATES_V1_18_2)),
    ('cs-gate-unknown-aggregated', {'karmada.component_settings.aggregated_apiserver.feature_gates': {'APIListChunking': True}},
     "c.yaml: karmada.component_settings.aggregated_apiserver.feature_gates: karmada-aggregated-apiserver v1.18.2 has no feature gate 'APIListChunking'; use one of " + ", ".join(KARMADA_GATES_V1_18_2)),
    ('cs-gate-unknown-controller-manager', {'karmada.component_settings.controller_manager.feature_gates': {'Failovers': True}},
     "c.yaml: karmada.component_settings.controller_manager.feature_gates: karmada-controller-manager v1.18.2 has no feature gate 'Failovers'; use one of " + ", ".join(KARMADA_GATES_V1_18_2)),
    ('cs-gate-unknown-estimator', {'karmada.components.scheduler_estimators': True, 'karmada.component_settings.scheduler_estimator.feature_gates': {'Estimate': True}},
     "c.yaml: karmada.component_settings.scheduler_estimator.feature_gates: karmada-scheduler-estimator v1.18.2 has no feature gate 'Estimate'; use one of " + ", ".join(KARMADA_GATES_V1_18_2)),
    ('cs-gate-on-search', {'karmada.components.search': True, 'karmada.component_settings.search.feature_gates': {'Failover': True}},
     'c.yaml: karmada.component_settings.search.feature_gates: karmada-search v1.18.2 takes no --feature-gates; remove them'),
    ('cs-gate-on-metrics-adapter', {'karmada.components.metrics_adapter': True, 'karmada.component_settings.metrics_adapter.feature_gates': {'Failover': True}},
     'c.yaml: karmada.component_settings.metrics_adapter.feature_gates: karmada-metrics-adapter v1.18.2 takes no --feature-gates; remove them'),
    ('cs-disabled-descheduler', {'karmada.component_settings.descheduler.replicas': 3},
     'c.yaml: karmada.component_settings.descheduler: karmada-descheduler is not enabled; set karmada.components.descheduler: true or remove these settings'),
    ('cs-disabled-metrics-adapter', {'karmada.component_settings.metrics_adapter.pod_labels': {'a': 'b'}},
     'c.yaml: karmada.component_settings.metrics_adapter: karmada-metrics-adapter is not enabled; set karmada.components.metrics_adapter: true or remove these settings'),
    ('cs-gate-on-descheduler', {'karmada.components.descheduler': True, 'karmada.component_settings.descheduler.feature_gates': {'Failover': True}},
     'c.yaml: karmada.component_settings.descheduler.feature_gates: karmada-descheduler v1.18.2 takes no --feature-gates; remove them'),
    ('cs-gate-failover-off', {'karmada.component_settings.controller_manager.feature_gates': {'Failover': False}},
     'c.yaml: karmada.component_settings.controller_manager.feature_gates: cluster failover (the ClusterTaintPolicy eks-karmada installs) needs Failover on; remove Failover: false'),
    ('cs-gate-graceful-eviction-off', {'karmada.component_settings.controller_manager.feature_gates': {'GracefulEviction': False}},
     'c.yaml: karmada.component_settings.controller_manager.feature_gates: cluster failover (the ClusterTaintPolicy eks-karmada installs) needs GracefulEviction on; remove GracefulEviction: false'),
    ('cs-arg-dashes', {'karmada.component_settings.webhook.extra_args': {'--v': 4}},
     "c.yaml: karmada.component_settings.webhook.extra_args: '--v' is not a flag name; write it without dashes, like v: 4 for --v=4"),
    ('cs-arg-owned', {'karmada.component_settings.scheduler.extra_args': {'kubeconfig': '/tmp/k'}},
     'c.yaml: karmada.component_settings.scheduler.extra_args: the chart sets --kubeconfig (wiring the control plane relies on); remove kubeconfig'),
    ('cs-arg-owned-apiserver-port', {'karmada.component_settings.apiserver.extra_args': {'secure-port': 6443}},
     'c.yaml: karmada.component_settings.apiserver.extra_args: the chart sets --secure-port (wiring the control plane relies on); remove secure-port'),
    ('cs-arg-typed-gates', {'karmada.component_settings.scheduler.extra_args': {'feature-gates': 'A=true'}},
     'c.yaml: karmada.component_settings.scheduler.extra_args: --feature-gates has a setting of its own; use karmada.component_settings.scheduler.feature_gates instead'),
    ('cs-arg-typed-quota', {'karmada.component_settings.etcd.extra_args': {'quota-backend-bytes': 1}},
     'c.yaml: karmada.component_settings.etcd.extra_args: --quota-backend-bytes has a setting of its own; use karmada.etcd.quota_backend_gib instead'),
    ('cs-arg-typed-estimator', {'karmada.component_settings.scheduler.extra_args': {'enable-scheduler-estimator': True}},
     'c.yaml: karmada.component_settings.scheduler.extra_args: --enable-scheduler-estimator has a setting of its own; use karmada.components.scheduler_estimators instead'),
    ('cs-disabled-search', {'karmada.component_settings.search.replicas': 3},
     'c.yaml: karmada.component_settings.search: karmada-search is not enabled; set karmada.components.search: true or remove these settings'),
    ('cs-disabled-estimator', {'karmada.component_settings.scheduler_estimator.node_selector': {'role': 'x'}},
     'c.yaml: karmada.component_settings.scheduler_estimator: karmada-scheduler-estimator is not enabled; set karmada.components.scheduler_estimators: true or remove these settings'),
    ('cs-unknown-component', {'karmada.component_settings.agent.replicas': 3},
     'c.yaml: karmada.component_settings.agent: unknown key; remove it or fix its spelling (see docs/configuration.md)'),
    ('etcd-quota-too-big', {'karmada.etcd.quota_backend_gib': 11},
     'c.yaml: karmada.etcd.quota_backend_gib: 11 GiB leaves no room for the WAL and snapshots on a 20 GiB volume; keep it at most half the volume or raise karmada.etcd_volume_gib'),
    ('etcd-quota-big-volume-small', {'karmada.etcd_volume_gib': 30, 'karmada.etcd.quota_backend_gib': 16},
     'c.yaml: karmada.etcd.quota_backend_gib: 16 GiB leaves no room for the WAL and snapshots on a 30 GiB volume; keep it at most half the volume or raise karmada.etcd_volume_gib'),
    ('etcd-quota-zero', {'karmada.etcd.quota_backend_gib': 0},
     'c.yaml: karmada.etcd.quota_backend_gib: input should be greater than or equal to 1 (got 0); fix the value in the file'),
    ('etcd-quota-huge', {'karmada.etcd_volume_gib': 200, 'karmada.etcd.quota_backend_gib': 65},
     'c.yaml: karmada.etcd.quota_backend_gib: input should be less than or equal to 64 (got 65); fix the value in the file'),
    ('etcd-compaction-mode', {'karmada.etcd.auto_compaction_mode': 'daily', 'karmada.etcd.auto_compaction_retention': '1'},
     "c.yaml: karmada.etcd.auto_compaction_mode: 'daily' is not an etcd compaction mode; use periodic or revision"),
    ('etcd-retention-without-mode', {'karmada.etcd.auto_compaction_retention': '1h'},
     'c.yaml: karmada.etcd.auto_compaction_retention: needs auto_compaction_mode; set it to periodic or revision'),
    ('etcd-mode-without-retention', {'karmada.etcd.auto_compaction_mode': 'periodic'},
     'c.yaml: karmada.etcd.auto_compaction_retention: needs a value with auto_compaction_mode; write it like 1h (periodic) or 10000 (revision)'),
    ('etcd-periodic-retention', {'karmada.etcd.auto_compaction_mode': 'periodic', 'karmada.etcd.auto_compaction_retention': '1 hour'},
     "c.yaml: karmada.etcd.auto_compaction_retention: '1 hour' is not a duration; write it like 1h or 30m"),
    ('etcd-revision-retention', {'karmada.etcd.auto_compaction_mode': 'revision', 'karmada.etcd.auto_compaction_retention': '1h'},
     "c.yaml: karmada.etcd.auto_compaction_retention: '1h' is not a revision count; write a whole number such as 10000"),
    ('etcd-election-short', {'karmada.etcd.heartbeat_interval_ms': 201},
     "c.yaml: karmada.etcd.election_timeout_ms: etcd's default 1000 is under 5 x heartbeat_interval_ms (1005) and etcd would not start; set it to at least 1005"),
    ('etcd-election-short-both', {'karmada.etcd.heartbeat_interval_ms': 100, 'karmada.etcd.election_timeout_ms': 499},
     'c.yaml: karmada.etcd.election_timeout_ms: 499 is under 5 x heartbeat_interval_ms (500) and etcd would not start; set it to at least 500'),
    ('etcd-heartbeat-small', {'karmada.etcd.heartbeat_interval_ms': 9},
     'c.yaml: karmada.etcd.heartbeat_interval_ms: input should be greater than or equal to 10 (got 9); fix the value in the file'),
    ('etcd-election-large', {'karmada.etcd.election_timeout_ms': 50001},
     'c.yaml: karmada.etcd.election_timeout_ms: input should be less than or equal to 50000 (got 50001); fix the value in the file'),
    ('etcd-snapshot-zero', {'karmada.etcd.snapshot_count': 0},
     'c.yaml: karmada.etcd.snapshot_count: input should be greater than or equal to 1 (got 0); fix the value in the file'),
    ('etcd-unknown-key', {'karmada.etcd.defrag': True},
     'c.yaml: karmada.etcd.defrag: unknown key; remove it or fix its spelling (see docs/configuration.md)'),
    # mirrors (docs/air-gap.md)
    ('mirror-images-scheme', {'mirrors.images': 'https://123456789012.dkr.ecr.{region}.amazonaws.com'},
     "c.yaml: mirrors.images: 'https://123456789012.dkr.ecr.{region}.amazonaws.com' is not a registry prefix; "
     "write it like 123456789012.dkr.ecr.{region}.amazonaws.com (no scheme, no tag)"),
    ('mirror-images-other-placeholder', {'mirrors.images': '123456789012.dkr.ecr.{zone}.amazonaws.com'},
     "c.yaml: mirrors.images: '123456789012.dkr.ecr.{zone}.amazonaws.com' is not a registry prefix; "
     "write it like 123456789012.dkr.ecr.{region}.amazonaws.com (no scheme, no tag)"),
    ('mirror-images-trailing-slash', {'mirrors.images': 'mirror.example.com/'},
     "c.yaml: mirrors.images: 'mirror.example.com/' is not a registry prefix; "
     "write it like 123456789012.dkr.ecr.{region}.amazonaws.com (no scheme, no tag)"),
    ('mirror-images-tag', {'mirrors.images': 'mirror.example.com/karmada:v1'},
     "c.yaml: mirrors.images: 'mirror.example.com/karmada:v1' is not a registry prefix; "
     "write it like 123456789012.dkr.ecr.{region}.amazonaws.com (no scheme, no tag)"),
    ('mirror-charts-not-ecr', {'mirrors.helm_charts': 'oci://ghcr.io/charts'},
     "c.yaml: mirrors.helm_charts: 'oci://ghcr.io/charts' is not a private ECR OCI path; "
     "write it like oci://123456789012.dkr.ecr.{region}.amazonaws.com/charts"),
    ('mirror-charts-https', {'mirrors.helm_charts': 'https://123456789012.dkr.ecr.us-east-1.amazonaws.com/charts'},
     "c.yaml: mirrors.helm_charts: 'https://123456789012.dkr.ecr.us-east-1.amazonaws.com/charts' is not a private "
     "ECR OCI path; write it like oci://123456789012.dkr.ecr.{region}.amazonaws.com/charts"),
    ('mirror-charts-other-placeholder', {'mirrors.helm_charts': 'oci://123456789012.dkr.ecr.{zone}.amazonaws.com/c'},
     "c.yaml: mirrors.helm_charts: 'oci://123456789012.dkr.ecr.{zone}.amazonaws.com/c' is not a private ECR OCI "
     "path; write it like oci://123456789012.dkr.ecr.{region}.amazonaws.com/charts"),
    ('mirror-crds-http', {'mirrors.crds': 'http://mirror.example.com/karmada/crds.tar.gz'},
     "c.yaml: mirrors.crds: 'http://mirror.example.com/karmada/crds.tar.gz' is not an S3 or HTTPS URL of a .tar.gz (no credentials or query); write it like s3://my-mirror/karmada/v1.18.2/crds.tar.gz or https://mirror.corp.example.com/karmada/v1.18.2/crds.tar.gz"),
    ('mirror-crds-https-credentials', {'mirrors.crds': 'https://user:pw@mirror.example.com/crds.tar.gz'},
     "c.yaml: mirrors.crds: 'https://user:pw@mirror.example.com/crds.tar.gz' is not an S3 or HTTPS URL of a .tar.gz (no credentials or query); write it like s3://my-mirror/karmada/v1.18.2/crds.tar.gz or https://mirror.corp.example.com/karmada/v1.18.2/crds.tar.gz"),
    ('mirror-crds-https-presigned', {'mirrors.crds': 'https://mirror.example.com/crds.tar.gz?X-Amz-Signature=ab'},
     "c.yaml: mirrors.crds: 'https://mirror.example.com/crds.tar.gz?X-Amz-Signature=ab' is not an S3 or HTTPS URL of a .tar.gz (no credentials or query); write it like s3://my-mirror/karmada/v1.18.2/crds.tar.gz or https://mirror.corp.example.com/karmada/v1.18.2/crds.tar.gz"),
    ('mirror-crds-zip', {'mirrors.crds': 's3://my-mirror/crds.zip'},
     "c.yaml: mirrors.crds: 's3://my-mirror/crds.zip' is not an S3 or HTTPS URL of a .tar.gz (no credentials or query); write it like s3://my-mirror/karmada/v1.18.2/crds.tar.gz or https://mirror.corp.example.com/karmada/v1.18.2/crds.tar.gz"),
    ('mirror-crds-bad-bucket', {'mirrors.crds': 's3://My_Bucket/crds.tar.gz'},
     "c.yaml: mirrors.crds: 's3://My_Bucket/crds.tar.gz' is not an S3 or HTTPS URL of a .tar.gz (no credentials or query); write it like s3://my-mirror/karmada/v1.18.2/crds.tar.gz or https://mirror.corp.example.com/karmada/v1.18.2/crds.tar.gz"),
    # image digests (docs/air-gap.md, "Pinning images by digest")
    ('digest-short-name', {'images': {'digests': {'nginx:1.29': 'sha256:' + 'a' * 64}}},
     "c.yaml: images.digests: 'nginx:1.29' is not an image reference with its registry and a tag; write it like "
     "docker.io/karmada/karmada-agent:v1.18.2 (as .venv/bin/python -m eks_karmada.image_digests CONFIG --write "
     "writes it)"),
    ('digest-no-tag', {'images': {'digests': {'registry.k8s.io/etcd': 'sha256:' + 'a' * 64}}},
     "c.yaml: images.digests: 'registry.k8s.io/etcd' is not an image reference with its registry and a tag; write "
     "it like docker.io/karmada/karmada-agent:v1.18.2 (as .venv/bin/python -m eks_karmada.image_digests CONFIG "
     "--write writes it)"),
    ('digest-in-key', {'images': {'digests': {'registry.k8s.io/etcd:3.6.6-0@sha256:' + 'a' * 64: 'sha256:' + 'a' * 64}}},
     "c.yaml: images.digests: 'registry.k8s.io/etcd:3.6.6-0@sha256:" + "a" * 64 + "' carries a digest already; "
     "write the reference with its tag only, like docker.io/karmada/karmada-agent:v1.18.2 (the digest is the value)"),
    ('digest-short', {'images': {'digests': {'registry.k8s.io/etcd:3.6.6-0': 'sha256:abc'}}},
     "c.yaml: images.digests: 'sha256:abc' (of registry.k8s.io/etcd:3.6.6-0) is not a sha256 digest; write it like "
     "sha256:<64 lowercase hex>, as .venv/bin/python -m eks_karmada.image_digests CONFIG --write writes it"),
    ('digest-upper-hex', {'images': {'digests': {'registry.k8s.io/etcd:3.6.6-0': 'sha256:' + 'A' * 64}}},
     "c.yaml: images.digests: 'sha256:" + "A" * 64 + "' (of registry.k8s.io/etcd:3.6.6-0) is not a sha256 digest; "
     "write it like sha256:<64 lowercase hex>, as .venv/bin/python -m eks_karmada.image_digests CONFIG --write "
     "writes it"),
    ('digest-unknown-key', {'images': {'pins': {}}},
     "c.yaml: images.pins: unknown key; remove it or fix its spelling (see docs/configuration.md)"),
    # member add-ons
    ('existing-member-lb-controller', {'members.0.kind': 'existing', 'members.0.cluster_name': 'prod', 'members.0.vpc_cidr': DELETE,
                                       'members.0.addons': {'load_balancer_controller': True}},
     "c.yaml: members[0].addons.load_balancer_controller: not installed on an existing member (its IAM role needs "
     "the cluster's OIDC provider, and the cluster may run one already); install it there yourself or set it false"),
    ('external-member-metrics-server', {'api_endpoint.scheme': 'internet-facing', 'members.0.kind': 'external',
                                        'members.0.region': None, 'members.0.sync_mode': 'Pull', 'members.0.vpc_cidr': DELETE,
                                        'members.0.addons': {'metrics_server': True}},
     "c.yaml: members[0].addons: has no effect on an external member (nothing is installed in it from here: "
     "install add-ons in the cluster yourself); remove it"),
    ('external-member-lb-controller', {'api_endpoint.scheme': 'internet-facing', 'members.0.kind': 'external',
                                       'members.0.region': None, 'members.0.sync_mode': 'Pull', 'members.0.vpc_cidr': DELETE,
                                       'members.0.addons': {'load_balancer_controller': True}},
     "c.yaml: members[0].addons: has no effect on an external member (nothing is installed in it from here: "
     "install add-ons in the cluster yourself); remove it"),
    ('member-addon-typo', {'members.0.addons': {'metrics': True}},
     "c.yaml: members[0].addons.metrics: unknown key; remove it or fix its spelling (see docs/configuration.md)"),
    ('member-addon-not-bool', {'members.0.addons': {'metrics_server': 'maybe'}},
     "c.yaml: members[0].addons.metrics_server: input should be a valid boolean, unable to interpret input "
     "(got 'maybe'); fix the value in the file"),
    # An existing VPC (issue 17): ids well-formed, one subnet per zone, nothing that would not apply.
    ("vpc-id-short", {**PARENT_VPC, "parent.existing_vpc.vpc_id": "vpc-123"},
     "c.yaml: parent.existing_vpc.vpc_id: 'vpc-123' is not a VPC id; write it like vpc-0123456789abcdef0"),
    ("vpc-id-upper", {**PARENT_VPC, "parent.existing_vpc.vpc_id": "vpc-0123456789ABCDEF0"},
     "c.yaml: parent.existing_vpc.vpc_id: 'vpc-0123456789ABCDEF0' is not a VPC id; write it like vpc-0123456789abcdef0"),
    ("subnet-id-bad", {**PARENT_VPC, "parent.existing_vpc.private_subnet_ids": ["subnet-0123456", *SUBNETS[1:]]},
     "c.yaml: parent.existing_vpc.private_subnet_ids: 'subnet-0123456' is not a subnet id; write it like subnet-0123456789abcdef0"),
    ("subnet-id-twice", {**PARENT_VPC, "parent.existing_vpc.private_subnet_ids": [SUBNETS[0], SUBNETS[0], SUBNETS[1]]},
     f"c.yaml: parent.existing_vpc.private_subnet_ids: lists {SUBNETS[0]} more than once; give one subnet per availability zone"),
    ("subnets-fewer-than-zones", {**PARENT_VPC, "parent.existing_vpc.private_subnet_ids": SUBNETS[:2]},
     "c.yaml: parent.existing_vpc.private_subnet_ids: needs one subnet per availability zone (3: us-east-1a, us-east-1b, us-east-1c), got 2; list them in the order of availability_zones"),
    ("subnets-none", {**PARENT_VPC, "parent.existing_vpc.private_subnet_ids": []},
     "c.yaml: parent.existing_vpc.private_subnet_ids: list should have at least 1 item after validation, not 0; fix the value in the file"),
    ("public-subnets-fewer-than-zones", {**PARENT_VPC, "parent.existing_vpc.public_subnet_ids": PUBLIC[:1]},
     "c.yaml: parent.existing_vpc.public_subnet_ids: needs one subnet per availability zone (3: us-east-1a, us-east-1b, us-east-1c), got 1; list them in the order of availability_zones"),
    ("subnet-public-and-private", {**PARENT_VPC, "parent.existing_vpc.public_subnet_ids": [SUBNETS[0], *PUBLIC[1:]]},
     f"c.yaml: parent.existing_vpc.public_subnet_ids: {SUBNETS[0]} is also listed as private; list each subnet once, under its kind"),
    ("vpc-without-cidr", {**PARENT_VPC, "parent.vpc_cidr": DELETE},
     "c.yaml: parent.vpc_cidr: set it to the CIDR of vpc-0123456789abcdef0 (the Karmada API's security group admits it)"),
    ("vpc-with-nat", {**PARENT_VPC, "parent.nat_gateways": 3},
     "c.yaml: parent.nat_gateways: has no effect with existing_vpc (the existing VPC's own gateways and routes are used); remove it"),
    ("vpc-without-egress", {**PARENT_VPC, "parent.existing_vpc.egress_cidrs": []},
     "c.yaml: parent.existing_vpc.egress_cidrs: new member member-use1's EKS endpoint admits the parent's outbound addresses; list the public IPs of the VPC's NAT gateways as /32s"),
    ("vpc-egress-not-cidr", {**PARENT_VPC, "parent.existing_vpc.egress_cidrs": ["203.0.113.7/24"]},
     "c.yaml: parent.existing_vpc.egress_cidrs[0]: '203.0.113.7/24' is not a valid CIDR (203.0.113.7/24 has host bits set); write it like 10.0.0.0/16"),
    ("vpc-internet-facing-without-public", {**PARENT_VPC, "api_endpoint.scheme": "internet-facing"},
     "c.yaml: parent.existing_vpc.public_subnet_ids: an internet-facing Karmada API load balancer needs public subnets; list one per zone or set api_endpoint.scheme: internal"),
    ("vpc-unknown-key", {**PARENT_VPC, "parent.existing_vpc.subnet_ids": SUBNETS},
     "c.yaml: parent.existing_vpc.subnet_ids: unknown key; remove it or fix its spelling (see docs/configuration.md)"),
    ("member-vpc-two-zones", {**MEMBER_VPC, "members.0.existing_vpc.private_subnet_ids": SUBNETS},
     "c.yaml: members[0].existing_vpc.private_subnet_ids: needs one subnet per availability zone (2: us-east-1a, us-east-1b), got 3; list them in the order of availability_zones"),
    ("member-vpc-default-zones", {"members.0.vpc_cidr": "10.5.0.0/16", "members.0.existing_vpc.vpc_id": "vpc-0123456789abcdef0",
                                  "members.0.existing_vpc.private_subnet_ids": SUBNETS[:2],
                                  "members.0.endpoint.parent_access": "public"},
     "c.yaml: members[0].existing_vpc.private_subnet_ids: needs one subnet per availability zone (3: us-east-1a, us-east-1b, us-east-1c), got 2; list them in the order of availability_zones"),
    ("member-vpc-without-cidr", {**MEMBER_VPC, "members.0.vpc_cidr": DELETE},
     "c.yaml: members[0].vpc_cidr: set it to the CIDR of vpc-0123456789abcdef0"),
    ("member-vpc-with-nat", {**MEMBER_VPC, "members.0.nat_gateways": 1},
     "c.yaml: members[0].nat_gateways: has no effect with existing_vpc (the existing VPC's own gateways and routes are used); remove it"),
    ("member-vpc-on-existing", {"members.0.existing_vpc.vpc_id": "vpc-0123456789abcdef0",
                                "members.0.existing_vpc.private_subnet_ids": SUBNETS, "members.0.vpc_cidr": DELETE,
                                "members.0.kind": "existing", "members.0.cluster_name": "prod"},
     "c.yaml: members[0].existing_vpc: has no effect on an existing member (its cluster already has a network); remove it"),
]


@pytest.mark.parametrize("edits, message", [c[1:] for c in BAD_CASES], ids=[c[0] for c in BAD_CASES])
def test_bad_value_is_refused_with_its_exact_one_line_message(edits, message):
    with pytest.raises(ConfigError) as raised:
        parse_config(edited(edits), "c.yaml")
    assert raised.value.lines == (message,)
    assert str(raised.value) == message
    assert "\n" not in message


GOOD_CASES = [
    ("vpc-existing-parent", PARENT_VPC),
    ("vpc-existing-parent-17-and-8-hex", {**PARENT_VPC, "parent.existing_vpc.vpc_id": "vpc-0123abcd",
                                         "parent.existing_vpc.private_subnet_ids": ["subnet-0123abcd", *SUBNETS[1:]]}),
    ("vpc-existing-parent-public", {**PARENT_VPC, "parent.existing_vpc.public_subnet_ids": PUBLIC,
                                    "api_endpoint.scheme": "internet-facing"}),
    ("vpc-existing-parent-no-new-member", {**PARENT_VPC_ALONE, "parent.existing_vpc.egress_cidrs": [],
                                           "members.0.kind": "existing", "members.0.cluster_name": "a",
                                           "members.1.kind": "existing", "members.1.cluster_name": "b",
                                           "members.0.vpc_cidr": DELETE, "members.1.vpc_cidr": DELETE}),
    ("vpc-existing-member", MEMBER_VPC),
    ("vpc-existing-member-public", {**MEMBER_VPC, "members.0.existing_vpc.public_subnet_ids": PUBLIC[:2]}),
    ("deployer-access-off", {"parent.deployer_access": False}),
    ("kubernetes-1.34", {"versions.kubernetes": "1.34"}),
    ("node-min-one", {"parent.node_group.min_size": 1, "parent.node_group.desired_size": 1, "parent.node_group.max_size": 1}),
    ("node-desired-equals-max", {"parent.node_group.desired_size": 6}),
    ("root-volume-bounds-low", {"parent.node_group.root_volume_gib": 20}),
    ("root-volume-bounds-high", {"parent.node_group.root_volume_gib": 16384}),
    ("iops-bounds", {"parent.storage_class.iops": 80000, "parent.storage_class.throughput_mibps": 2000}),
    ("lb-controller-v2", {"parent.addons.load_balancer_controller": "v2.17.1"}),
    ("scheme-internet-facing", {"api_endpoint.scheme": "internet-facing", "api_endpoint.allowed_cidrs": ["203.0.113.0/24"]}),
    ("custom-domain", {"api_endpoint.custom_domain": "karmada.corp.example.com"}),
    ("api-open-explicitly", {"api_endpoint.allowed_cidrs": ["0.0.0.0/0"], "api_endpoint.allow_anywhere": True}),
    ("api-a-whole-private-slash-8", {"api_endpoint.allowed_cidrs": ["10.0.0.0/8"]}),
    ("api-overlapping-cidrs-within-a-slash-8", {"api_endpoint.allowed_cidrs": ["10.0.0.0/9", "10.0.0.0/8"]}),
    ("parent-public-only", {"parent.endpoint.private": False, "parent.endpoint.public_cidrs": ["203.0.113.10/32"]}),
    ("parent-open-explicitly", {"parent.endpoint.public_cidrs": ["0.0.0.0/0"], "parent.endpoint.allow_anywhere": True}),
    ("parent-other-region", {"parent.region": "eu-west-1", "parent.availability_zones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"]}),
    ("parent-account", {"parent.account": "123456789012"}),
    ("cluster-name-underscore", {"parent.cluster_name": "Karmada_parent-2"}),
    ("nat-one", {"parent.nat_gateways": 1}),
    ("retention-five-years", {"parent.log_retention_days": 1827}),
    ("admin-arn-path", {"parent.admin_role_arns": ["arn:aws:iam::123456789012:role/ops/admin", "arn:aws-us-gov:iam::123456789012:role/x"]}),
    ("etcd-one", {"karmada.etcd_replicas": 1}),
    ("etcd-seven", {"karmada.etcd_replicas": 7}),
    ("apiserver-ten", {"karmada.apiserver_replicas": 10}),
    ("backup-cron-macro", {"karmada.etcd_backup.schedule": "@daily"}),
    ("backup-retention-bounds", {"karmada.etcd_backup.retention_days": 3650}),
    ("guard-outage-low-bound", {"karmada.fleet_guard.outage_percent": 1}),
    ("guard-outage-high-bound", {"karmada.fleet_guard.outage_percent": 99}),
    ("guard-poll-bounds", {"karmada.fleet_guard.poll_seconds": 5}),
    ("guard-poll-high-bound", {"karmada.fleet_guard.poll_seconds": 30}),
    ("guard-off", {"karmada.fleet_guard.enabled": False}),
    ("backup-image-digest", {"karmada.etcd_backup.aws_cli_image": "aws-cli@sha256:" + "a" * 64}),
    ("member-name-32", {"members.0.name": "m" * 32}),
    ("member-name-one-letter", {"members.0.name": "m"}),
    ("member-existing", EXISTING),
    ("member-external-pull", EXTERNAL),
    ("member-new-two-azs", {"members.0.availability_zones": ["us-east-1a", "us-east-1b"]}),
    ("member-new-three-azs", {"members.1.availability_zones": ["us-west-2a", "us-west-2b", "us-west-2d"]}),
    ("member-nat-three", {"members.0.nat_gateways": 3}),
    ("member-pull-internet-facing", {"api_endpoint.scheme": "internet-facing", "members.1.sync_mode": "Pull"}),
    ("member-account", {"members.0.account": "210987654321", "members.0.endpoint.parent_access": "public"}),
    ("no-members", {"members": []}),
    ("sample-toleration-bounds", {"sample_workload.not_ready_toleration_seconds": 86400}),
    ("sample-toleration-zero", {"sample_workload.not_ready_toleration_seconds": 0}),
    ("sample-members-one", {"sample_workload.members": ["member-usw2"]}),
    ("sample-members-all", {"sample_workload.members": ["member-usw2", "member-use1"]}),
    ("sample-namespace-own", {"sample_workload.namespace": "demo-1"}),
    ("sample-namespace-63", {"sample_workload.namespace": "s" * 63}),
    ("sample-namespace-one", {"sample_workload.namespace": "s"}),
    ("sample-namespace-kube-inside", {"sample_workload.namespace": "my-kube-demo"}),
    ("workloads-modules", {"workloads.modules": ["shop", "mycompany.karmada_workloads", "_private.W2"]}),
    ("workloads-python-path", {"workloads.python_path": ["../platform-workloads", "/opt/workloads"]}),
    # --- karmada.component_settings and karmada.etcd -----------------------------------------------------
    ("cs-replicas-bounds", {"karmada.component_settings.scheduler.replicas": 2, "karmada.component_settings.webhook.replicas": 10}),
    ("cs-resources-at-limits", {"karmada.component_settings.etcd.resources": {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "1000m", "memory": "2048Mi"}}}),
    ("cs-resources-no-cpu-limit", {"karmada.component_settings.scheduler.resources": {"requests": {"cpu": "250m", "memory": "1.5Gi"}, "limits": {"cpu": None, "memory": "2G"}}}),
    ("cs-node-selector", {"karmada.component_settings.etcd.node_selector": {"karmada.io/role": "etcd", "dedicated": ""}}),
    ("cs-pod-labels-and-annotations", {"karmada.component_settings.scheduler.pod_labels": {"example.com/tier": "control-plane"},
                                       "karmada.component_settings.scheduler.pod_annotations": {"example.com/checksum": "x", "team": "platform"}}),
    ("cs-tolerations", {"karmada.component_settings.etcd.tolerations": [
        {"key": "dedicated", "operator": "Equal", "value": "karmada", "effect": "NoSchedule", "toleration_seconds": None},
        {"key": None, "operator": "Exists", "value": None, "effect": "NoExecute", "toleration_seconds": 0},
        {"key": "example.com/pool", "operator": "Exists", "value": None, "effect": None, "toleration_seconds": None}]}),
    ("cs-gates", {"karmada.component_settings.controller_manager.feature_gates": {"Failover": True, "PropagationPolicyPreemption": True},
                  "karmada.component_settings.apiserver.feature_gates": {"WatchList": False},
                  "karmada.component_settings.webhook.feature_gates": {"AllAlpha": False}}),
    ("cs-every-karmada-gate", {"karmada.component_settings.scheduler.feature_gates": dict.fromkeys(KARMADA_GATES_V1_18_2, True)}),
    ("cs-gates-etcd-and-kcm", {"karmada.component_settings.etcd.feature_gates": {"StopGRPCServiceOnDefrag": True},
                               "karmada.component_settings.kube_controller_manager.feature_gates": {"SELinuxMount": True}}),
    ("cs-gates-off-elsewhere", {"karmada.component_settings.scheduler.feature_gates": {"Failover": False}}),
    ("cs-extra-args", {"karmada.component_settings.apiserver.extra_args": {"max-requests-inflight": 3000, "v": 4},
                       "karmada.component_settings.etcd.extra_args": {"log-level": "warn"},
                       "karmada.component_settings.controller_manager.extra_args": {"cluster-status-update-frequency": "20s", "concurrent-work-syncs": 10},
                       "karmada.component_settings.kube_controller_manager.extra_args": {"concurrent-gc-syncs": 30, "leader-elect-lease-duration": "30s"}}),
    ("cs-optional-enabled", {"karmada.components.search": True, "karmada.components.scheduler_estimators": True,
                             "karmada.components.descheduler": True, "karmada.components.metrics_adapter": True,
                             "karmada.component_settings.search.replicas": 3, "karmada.component_settings.scheduler_estimator.replicas": 3,
                             "karmada.component_settings.descheduler.extra_args": {"descheduling-interval": "5m"},
                             "karmada.component_settings.metrics_adapter.node_selector": {"role": "x"}}),
    ("cs-optional-default-settings", {"karmada.component_settings.search.replicas": None}),
    ("etcd-quota-half-volume", {"karmada.etcd.quota_backend_gib": 10}),
    ("etcd-quota-half-bigger-volume", {"karmada.etcd_volume_gib": 50, "karmada.etcd.quota_backend_gib": 25}),
    ("etcd-small-volume-raised-by-profile", {"karmada.etcd_volume_gib": 10, "karmada.etcd.quota_backend_gib": 10}),
    ("etcd-quota-bounds", {"karmada.etcd_volume_gib": 128, "karmada.etcd.quota_backend_gib": 64}),
    ("etcd-periodic", {"karmada.etcd.auto_compaction_mode": "periodic", "karmada.etcd.auto_compaction_retention": "1h30m"}),
    ("etcd-periodic-hours", {"karmada.etcd.auto_compaction_mode": "periodic", "karmada.etcd.auto_compaction_retention": "2"}),
    ("etcd-revision", {"karmada.etcd.auto_compaction_mode": "revision", "karmada.etcd.auto_compaction_retention": "10000"}),
    ("etcd-raft-at-ratio", {"karmada.etcd.heartbeat_interval_ms": 200}),
    ("etcd-raft-bounds", {"karmada.etcd.heartbeat_interval_ms": 10, "karmada.etcd.election_timeout_ms": 50}),
    ("etcd-raft-max", {"karmada.etcd.heartbeat_interval_ms": 5000, "karmada.etcd.election_timeout_ms": 50000, "karmada.etcd.snapshot_count": 1}),
    ("mirrors-all-per-region", {"mirrors.images": "123456789012.dkr.ecr.{region}.amazonaws.com",
                                "mirrors.helm_charts": "oci://123456789012.dkr.ecr.{region}.amazonaws.com/charts",
                                "mirrors.crds": "s3://my-mirror/karmada/v1.18.2/crds.tar.gz"}),
    ("mirrors-fixed-region-and-paths", {"mirrors.images": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/mirror",
                                        "mirrors.helm_charts": "oci://123456789012.dkr.ecr.eu-west-1.amazonaws.com",
                                        "mirrors.crds": "s3://my.mirror-1/crds.tgz"}),
    ("mirror-images-with-port", {"mirrors.images": "registry.internal:5000/mirror"}),
    ("mirror-crds-https", {"mirrors.crds": "https://mirror.corp.example.com/karmada/v1.18.2/crds.tar.gz"}),
    ("mirror-crds-https-port", {"mirrors.crds": "https://10.0.12.7:8443/karmada%2Fv1.18.2/crds.tgz"}),
    ("mirror-charts-china", {"mirrors.helm_charts": "oci://123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/c"}),
    ("member-addons-off", {"members.0.addons": {"metrics_server": False, "load_balancer_controller": False}}),
    ("existing-member-metrics-server", {"members.0.kind": "existing", "members.0.cluster_name": "prod", "members.0.vpc_cidr": DELETE,
                                        "members.0.addons": {"metrics_server": True,
                                                             "load_balancer_controller": False}}),
    ("parent-metrics-server-version", {"parent.addons.metrics_server": "v0.8.1-eksbuild.1"}),
]


@pytest.mark.parametrize("edits", [c[1] for c in GOOD_CASES], ids=[c[0] for c in GOOD_CASES])
def test_valid_neighbour_loads_with_the_value_given(edits):
    config = parse_config(edited(edits), "c.yaml")
    dumped = config.model_dump(mode="json")
    for path, value in edits.items():
        if value is DELETE:
            continue
        node = dumped
        for key in [int(p) if p.isdigit() else p for p in path.split(".")]:
            node = node[key]
        assert node == value, path


# --- settings that would do nothing, and VPCs that overlap: errors, not silence ----------------------------
NEW_ONLY_ON_EXISTING = "(only a new member's VPC is created here); remove it"
RULE_CASES = [
    ("api-allow-anywhere-unused", {"api_endpoint.allow_anywhere": True},
     ["c.yaml: api_endpoint.allow_anywhere: has no effect without 0.0.0.0/0 in allowed_cidrs; remove it (it only permits that one CIDR)"]),
    ("parent-allow-anywhere-unused", {"parent.endpoint.allow_anywhere": True},
     ["c.yaml: parent.endpoint.allow_anywhere: has no effect without 0.0.0.0/0 in public_cidrs; remove it (it only permits that one CIDR)"]),
    ("member-allow-anywhere-unused", {"members.1.endpoint": {"public_cidrs": ["203.0.113.0/24"], "allow_anywhere": True}},
     ["c.yaml: members[1].endpoint.allow_anywhere: has no effect without 0.0.0.0/0 in public_cidrs; remove it (it only permits that one CIDR)"]),
    ("endpoint-unreachable-and-allow-anywhere", {"parent.endpoint.private": False, "parent.endpoint.allow_anywhere": True},
     ["c.yaml: parent.endpoint.private: the endpoint would be unreachable; set private: true or list public_cidrs",
      "c.yaml: parent.endpoint.allow_anywhere: has no effect without 0.0.0.0/0 in public_cidrs; remove it (it only permits that one CIDR)"]),
    ("backup-off-with-its-settings", {"karmada.etcd_backup": {"enabled": False, "schedule": "@daily", "retention_days": 7}},
     ["c.yaml: karmada.etcd_backup.schedule: has no effect with enabled: false; remove it, or set enabled: true",
      "c.yaml: karmada.etcd_backup.retention_days: has no effect with enabled: false; remove it, or set enabled: true"]),
    ("guard-off-with-its-settings", {"karmada.fleet_guard": {"enabled": False, "outage_percent": 30, "poll_seconds": 20}},
     ["c.yaml: karmada.fleet_guard.outage_percent: has no effect with enabled: false; remove it, or set enabled: true",
      "c.yaml: karmada.fleet_guard.poll_seconds: has no effect with enabled: false; remove it, or set enabled: true"]),
    ("sample-off-with-its-settings", {"sample_workload": {"enabled": False, "replicas": 6, "not_ready_toleration_seconds": 60}},
     ["c.yaml: sample_workload.replicas: has no effect with enabled: false; remove it, or set enabled: true",
      "c.yaml: sample_workload.not_ready_toleration_seconds: has no effect with enabled: false; remove it, or set enabled: true"]),
    ("existing-member-with-new-only-settings",
     {**EXISTING, "members.0.availability_zones": ["us-east-1a", "us-east-1b"], "members.0.vpc_cidr": "10.1.0.0/16",
      "members.0.nat_gateways": 1, "members.0.node_group": {}, "members.0.endpoint": {"private": True}},
     ["c.yaml: members[0].availability_zones: has no effect on an existing member (its zones are the existing cluster's); remove it",
      f"c.yaml: members[0].vpc_cidr: has no effect on an existing member {NEW_ONLY_ON_EXISTING}",
      f"c.yaml: members[0].nat_gateways: has no effect on an existing member {NEW_ONLY_ON_EXISTING}",
      "c.yaml: members[0].node_group: has no effect on an existing member (only a new member's node group is created here); remove it",
      "c.yaml: members[0].endpoint: has no effect on an existing member (its endpoint access is set on the existing cluster); remove it"]),
    ("external-member-with-aws-settings",
     {**EXTERNAL, "members.0.account": "123456789012", "members.0.cluster_name": "edge", "members.0.availability_zones": [],
      "members.0.vpc_cidr": "10.1.0.0/16", "members.0.nat_gateways": 1, "members.0.node_group": {}, "members.0.endpoint": {},
      "members.0.labels": {"site": "edge"}},
     ["c.yaml: members[0].account: has no effect on an external member (nothing is deployed in AWS for it); remove it",
      "c.yaml: members[0].cluster_name: has no effect on an external member (it is not an EKS cluster this app reads); remove it",
      "c.yaml: members[0].availability_zones: has no effect on an external member (its zones are its own); remove it",
      "c.yaml: members[0].vpc_cidr: has no effect on an external member (only a new member's VPC is created here); remove it",
      "c.yaml: members[0].nat_gateways: has no effect on an external member (only a new member's VPC is created here); remove it",
      "c.yaml: members[0].node_group: has no effect on an external member (only a new member's node group is created here); remove it",
      "c.yaml: members[0].endpoint: has no effect on an external member (its endpoint is its own); remove it",
      "c.yaml: members[0].labels: has no effect on an external member (its karmada-agent registers its Cluster object: "
      "label that with kubectl on the Karmada API); remove it"]),
    ("existing-member-missing-both", {"members.0.kind": "existing", "members.0.vpc_cidr": DELETE, "members.0.region": DELETE},
     ["c.yaml: members[0].region: an existing member needs a region; add region: <aws-region>",
      "c.yaml: members[0].cluster_name: an existing member needs it; add the EKS cluster name to import"]),
    ("member-overlaps-parent", {"members.0.vpc_cidr": "10.0.0.0/16"},
     ["c.yaml: members[0].vpc_cidr: 10.0.0.0/16 overlaps parent.vpc_cidr 10.0.0.0/16; the VPCs must not overlap to be peered "
      "or joined by a transit gateway: use a free range such as 10.1.0.0/16"]),
    ("member-inside-parent", {"members.0.vpc_cidr": "10.0.128.0/20"},
     ["c.yaml: members[0].vpc_cidr: 10.0.128.0/20 overlaps parent.vpc_cidr 10.0.0.0/16; the VPCs must not overlap to be peered "
      "or joined by a transit gateway: use a free range such as 10.1.0.0/20"]),
    ("members-overlap", {"members.1.vpc_cidr": "10.1.0.0/16"},
     ["c.yaml: members[1].vpc_cidr: 10.1.0.0/16 overlaps members[0].vpc_cidr 10.1.0.0/16; the VPCs must not overlap to be "
      "peered or joined by a transit gateway: use a free range such as 10.2.0.0/16"]),
    ("members-overlap-by-default", {"members.1.vpc_cidr": DELETE},
     ["c.yaml: members[1].vpc_cidr: 10.1.0.0/16 (the default) overlaps members[0].vpc_cidr 10.1.0.0/16; the VPCs must not "
      "overlap to be peered or joined by a transit gateway: use a free range such as 10.2.0.0/16"]),
    ("two-members-get-two-free-ranges", {"members.0.vpc_cidr": "10.0.0.0/16", "members.1.vpc_cidr": "10.0.0.0/16"},
     ["c.yaml: members[0].vpc_cidr: 10.0.0.0/16 overlaps parent.vpc_cidr 10.0.0.0/16; the VPCs must not overlap to be peered "
      "or joined by a transit gateway: use a free range such as 10.1.0.0/16",
      "c.yaml: members[1].vpc_cidr: 10.0.0.0/16 overlaps parent.vpc_cidr 10.0.0.0/16; the VPCs must not overlap to be peered "
      "or joined by a transit gateway: use a free range such as 10.2.0.0/16"]),
    ("wide-member-overlaps-the-next", {"members.0.vpc_cidr": "10.0.0.0/9"},
     ["c.yaml: members[0].vpc_cidr: 10.0.0.0/9 overlaps parent.vpc_cidr 10.0.0.0/16; the VPCs must not overlap to be peered "
      "or joined by a transit gateway: use a free range such as 10.128.0.0/9",
      "c.yaml: members[1].vpc_cidr: 10.2.0.0/16 overlaps members[0].vpc_cidr 10.0.0.0/9; the VPCs must not overlap to be peered "
      "or joined by a transit gateway: use a free range such as 172.16.0.0/16"]),
    ("no-free-block-that-large", {"members.0.vpc_cidr": "10.0.0.0/8", "members.1.vpc_cidr": "172.16.0.0/16"},
     ["c.yaml: members[0].vpc_cidr: 10.0.0.0/8 overlaps parent.vpc_cidr 10.0.0.0/16; the VPCs must not overlap to be peered "
      "or joined by a transit gateway: use a range no other VPC here uses"]),
    ("suggestion-from-a-pool-the-same-size", {"members.0.vpc_cidr": "10.0.0.0/8", "members.1.vpc_cidr": "10.0.0.0/12"},
     ["c.yaml: members[0].vpc_cidr: 10.0.0.0/8 overlaps parent.vpc_cidr 10.0.0.0/16; the VPCs must not overlap to be peered "
      "or joined by a transit gateway: use a range no other VPC here uses",
      "c.yaml: members[1].vpc_cidr: 10.0.0.0/12 overlaps parent.vpc_cidr 10.0.0.0/16; the VPCs must not overlap to be peered "
      "or joined by a transit gateway: use a free range such as 172.16.0.0/12"]),
    ("ipv6-overlap", {"parent.vpc_cidr": "fd00::/48", "members.0.vpc_cidr": "fd00::/56"},
     ["c.yaml: members[0].vpc_cidr: fd00::/56 overlaps parent.vpc_cidr fd00::/48; the VPCs must not overlap to be peered "
      "or joined by a transit gateway: use a range no other VPC here uses"]),
    ("duplicate-name-and-overlap", {"members.1.name": "member-use1", "members.1.vpc_cidr": "10.1.0.0/24"},
     ["c.yaml: members[1].name: duplicate member name 'member-use1'; give each member a unique name",
      "c.yaml: members[1].vpc_cidr: 10.1.0.0/24 overlaps members[0].vpc_cidr 10.1.0.0/16; the VPCs must not overlap to be "
      "peered or joined by a transit gateway: use a free range such as 10.2.0.0/24"]),
]


@pytest.mark.parametrize("edits, lines", [c[1:] for c in RULE_CASES], ids=[c[0] for c in RULE_CASES])
def test_a_setting_without_effect_or_an_overlap_is_refused_with_every_line(edits, lines):
    with pytest.raises(ConfigError) as raised:
        parse_config(edited(edits), "c.yaml")
    assert list(raised.value.lines) == lines


RULE_NEIGHBOURS = [
    ("api-open-explicitly", {"api_endpoint.allowed_cidrs": ["0.0.0.0/0"], "api_endpoint.allow_anywhere": True}),
    ("allow-anywhere-false-said-aloud", {"api_endpoint.allow_anywhere": False, "parent.endpoint.allow_anywhere": False}),
    ("backup-off-alone", {"karmada.etcd_backup": {"enabled": False}}),
    ("backup-off-keeps-the-restore-image", {"karmada.etcd_backup": {"enabled": False, "aws_cli_image": "aws-cli:2.36.7"}}),
    ("backup-on-with-its-settings", {"karmada.etcd_backup": {"enabled": True, "schedule": "@daily", "retention_days": 7}}),
    ("guard-on-with-its-settings", {"karmada.fleet_guard": {"enabled": True, "outage_percent": 30, "poll_seconds": 20}}),
    ("sample-off-alone", {"sample_workload": {"enabled": False}}),
    ("sample-on-with-its-settings", {"sample_workload": {"enabled": True, "replicas": 2}}),
    ("existing-with-what-it-reads", {**EXISTING, "members.0.account": "123456789012", "members.0.labels": {"tier": "prod"},
                                     "members.0.sync_mode": "Push"}),
    ("external-with-its-region", {**EXTERNAL, "members.0.region": "eu-west-1"}),
    ("new-with-everything", {"members.0.availability_zones": ["us-east-1a", "us-east-1b"], "members.0.nat_gateways": 2,
                             "members.0.node_group": {"min_size": 1, "desired_size": 1, "max_size": 2},
                             "members.0.endpoint": {"private": True}, "members.0.labels": {"a": "b"}}),
    ("adjacent-ranges", {"parent.vpc_cidr": "10.0.0.0/16", "members.0.vpc_cidr": "10.1.0.0/16",
                         "members.1.vpc_cidr": "10.2.0.0/24"}),
    ("parent-small-member-next-door", {"parent.vpc_cidr": "10.1.0.0/17", "members.0.vpc_cidr": "10.1.128.0/17"}),
    # Only new members get a VPC here: an existing or external one cannot overlap anything of ours.
    ("existing-beside-a-default-member", {"members.0.kind": "existing", "members.0.cluster_name": "prod",
                                          "members.0.vpc_cidr": DELETE, "members.1.vpc_cidr": DELETE}),
    ("ipv6-beside-ipv4", {"members.0.vpc_cidr": "fd00::/56"}),
]


@pytest.mark.parametrize("edits", [c[1] for c in RULE_NEIGHBOURS], ids=[c[0] for c in RULE_NEIGHBOURS])
def test_the_valid_neighbour_of_a_rule_loads(edits):
    config = parse_config(edited(edits), "c.yaml")
    assert config.model_dump(mode="json")["members"][1]["name"] == "member-usw2"


# Which kinds of member read each field (stacks/member_stack.py, stacks/registration_stack.py,
# eks_karmada/member_objects.py). A new MemberConfig field fails here until it is placed in this table and,
# where some kind ignores it, in config._IGNORED_BY_KIND, so that setting it there is an error.
ALL_KINDS = {"new", "existing", "external"}
READ_BY = {
    "name": ALL_KINDS, "kind": ALL_KINDS, "sync_mode": ALL_KINDS,
    "region": ALL_KINDS,  # external: the agent's --cluster-region
    "account": {"new", "existing"}, "cluster_name": {"new", "existing"}, "labels": {"new", "existing"},
    "availability_zones": {"new"}, "vpc_cidr": {"new"}, "nat_gateways": {"new"}, "node_group": {"new"},
    "endpoint": {"new"}, "addons": {"new", "existing"}, "existing_vpc": {"new"}, "kubectl_network": {"existing"},
}


def test_every_member_field_is_refused_where_its_kind_ignores_it():
    from eks_karmada.config import _IGNORED_BY_KIND, MemberKind

    assert sorted(MemberConfig.model_fields) == sorted(READ_BY), "place the new field in READ_BY (and the model's table)"
    for kind in MemberKind:
        ignored = {name for name, kinds in READ_BY.items() if kind.value not in kinds}
        assert set(_IGNORED_BY_KIND[kind]) == ignored, kind


def test_only_a_set_field_counts_as_set():
    # The same values as the defaults, but not written: an existing member from a minimal file is fine.
    config = parse_config({"members": [{"name": "old", "kind": "existing", "region": "us-east-1", "cluster_name": "c"}]})
    assert config.members[0].vpc_cidr == "10.1.0.0/16"


# --- how problems are reported: every one, one line each --------------------------------------------------
def test_every_problem_in_the_file_is_its_own_line():
    with pytest.raises(ConfigError) as raised:
        parse_config(edited({"karmada.etcd_replicas": 4, "karmada.apiserver_replicas": 1, "parent.nat_gateways": 0,
                             "members.0.region": None, "members.1.nat_gateways": 9}), "c.yaml")
    assert raised.value.lines == (
        "c.yaml: parent.nat_gateways: input should be greater than or equal to 1 (got 0); fix the value in the file",
        "c.yaml: karmada.etcd_replicas: 4 etcd replicas tolerate no more failures than 3; use an odd number such as 3 or 5",
        "c.yaml: karmada.apiserver_replicas: input should be greater than or equal to 2 (got 1); fix the value in the file",
        "c.yaml: members[0].region: a new member needs a region; add region: <aws-region>",
        "c.yaml: members[1].nat_gateways: input should be less than or equal to 3 (got 9); fix the value in the file",
    )
    assert str(raised.value) == "\n".join(raised.value.lines)


OVERLAP = ("the VPCs must not overlap to be peered or joined by a transit gateway: use a free range such as")
ACROSS_SECTIONS = [
    ("with-an-error-elsewhere", {"karmada.etcd_replicas": 2, "members.1.vpc_cidr": "10.0.0.0/16"},
     ["c.yaml: karmada.etcd_replicas: 2 etcd replicas tolerate no more failures than 1; use an odd number such as 3 or 5",
      f"c.yaml: members[1].vpc_cidr: 10.0.0.0/16 overlaps parent.vpc_cidr 10.0.0.0/16; {OVERLAP} 10.2.0.0/16"]),
    ("sections-left-to-their-defaults", {"parent": DELETE, "api_endpoint": DELETE, "karmada.etcd_replicas": 2,
                                         "members.0.vpc_cidr": "10.0.0.0/16", "members.1.sync_mode": "Pull"},
     ["c.yaml: karmada.etcd_replicas: 2 etcd replicas tolerate no more failures than 1; use an odd number such as 3 or 5",
      "c.yaml: members[1].sync_mode: a Pull member's agent dials the Karmada API from its own network; set "
      "api_endpoint.scheme: internet-facing and admit the member in api_endpoint.allowed_cidrs",
      f"c.yaml: members[0].vpc_cidr: 10.0.0.0/16 overlaps parent.vpc_cidr 10.0.0.0/16; {OVERLAP} 10.1.0.0/16"]),
    ("an-invalid-member-is-left-out", {"members": [
        *copy.deepcopy(DEFAULT["members"]), {"name": "member-usw2", "region": "eu-west-1", "vpc_cidr": "10.3.0.0/16"}],
        "members.0.nat_gateways": 9},
     ["c.yaml: members[0].nat_gateways: input should be less than or equal to 3 (got 9); fix the value in the file",
      "c.yaml: members[2].name: duplicate member name 'member-usw2'; give each member a unique name"]),
    ("not-with-an-invalid-parent", {"parent.nat_gateways": 0, "members.0.vpc_cidr": "10.0.0.0/16"},
     ["c.yaml: parent.nat_gateways: input should be greater than or equal to 1 (got 0); fix the value in the file"]),
    ("not-with-an-invalid-api-endpoint", {"api_endpoint.scheme": "public", "members.0.vpc_cidr": "10.0.0.0/16"},
     ["c.yaml: api_endpoint.scheme: string should match pattern '^(internal|internet-facing)$' (got 'public'); "
      "fix the value in the file"]),
    ("members-not-a-list", {"members": {"name": "a"}, "karmada.etcd_replicas": 2},
     ["c.yaml: karmada.etcd_replicas: 2 etcd replicas tolerate no more failures than 1; use an odd number such as 3 or 5",
      "c.yaml: members: input should be a valid list; fix the value in the file"]),
]


@pytest.mark.parametrize("edits, lines", [c[1:] for c in ACROSS_SECTIONS], ids=[c[0] for c in ACROSS_SECTIONS])
def test_rules_across_sections_run_on_the_valid_sections_when_another_has_errors(edits, lines):
    with pytest.raises(ConfigError) as raised:
        parse_config(edited(edits), "c.yaml")
    assert list(raised.value.lines) == lines


def test_a_scalar_yaml_read_as_a_number_or_boolean_says_to_quote_it():
    with pytest.raises(ConfigError) as raised:
        parse_config(edited({"versions.kubernetes": 1.35, "parent.account": 123456789012,
                             "parent.node_group.instance_types": ["m6i.large", 5], "members.0.labels": {"spot": True}}),
                     "c.yaml")
    assert raised.value.lines == (
        'c.yaml: versions.kubernetes: 1.35 is a number; quote it: "1.35"',
        'c.yaml: parent.account: 123456789012 is a number; quote it: "123456789012"',
        'c.yaml: parent.node_group.instance_types[1]: 5 is a number; quote it: "5"',
        'c.yaml: members[0].labels.spot: YAML reads true as the boolean true; quote it: "true"',
    )


UNQUOTED = [
    ("number", "versions:\n  kubernetes: 1.35\n", 'versions.kubernetes: 1.35 is a number; quote it: "1.35"'),
    ("number-as-written", "versions:\n  kubernetes: 1.10\n",
     'versions.kubernetes: YAML reads 1.10 as the number 1.1; quote it: "1.10"'),
    ("account", "parent:\n  account: 123456789012\n", 'parent.account: 123456789012 is a number; quote it: "123456789012"'),
    ("account-octal", "parent:\n  account: 012345670123\n",
     'parent.account: YAML reads 012345670123 as the octal number 1402433619; quote it: "012345670123"'),
    ("boolean-as-written", "members:\n  - {name: a, region: us-east-1, labels: {spot: yes}}\n",
     'members[0].labels.spot: YAML reads yes as the boolean true; quote it: "yes"'),
    ("in-a-list", "parent:\n  node_group: {instance_types: [m6i.large, 0x1f]}\n",
     'parent.node_group.instance_types[1]: YAML reads 0x1f as the number 31; quote it: "0x1f"'),
]


@pytest.mark.parametrize("text, message", [c[1:] for c in UNQUOTED], ids=[c[0] for c in UNQUOTED])
def test_a_file_value_yaml_reads_as_a_number_is_quoted_as_written(tmp_path, text, message):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert raised.value.lines == (f"{path}: {message}",)


def test_quoted_values_and_text_yaml_keeps_as_text_load():
    # 012345678901 has digits 8 and 9: YAML keeps it as text, leading zero included.
    config = parse_config(yaml.safe_load('parent: {account: 012345678901}\nversions: {kubernetes: "1.35"}\n'))
    assert (config.parent.account, config.versions.kubernetes) == ("012345678901", "1.35")


def test_a_key_given_twice_is_an_error_naming_both_lines(tmp_path):
    path = tmp_path / "twice.yaml"
    path.write_text("karmada:\n  etcd_replicas: 3\n  apiserver_replicas: 2\n  etcd_replicas: 5\nkarmada:\n  apiserver_replicas: 3\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert raised.value.lines == (
        f"{path}: karmada.etcd_replicas: set twice, on lines 2 and 4, and YAML keeps only the last; remove one",
        f"{path}: karmada: set twice, on lines 1 and 5, and YAML keeps only the last; remove one",
    )


def test_a_key_given_twice_is_reported_with_the_other_problems(tmp_path):
    path = tmp_path / "twice.yaml"
    path.write_text("karmada:\n  etcd_replicas: 4\n  etcd_replicas: 2\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert raised.value.lines == (
        f"{path}: karmada.etcd_replicas: set twice, on lines 2 and 3, and YAML keeps only the last; remove one",
        f"{path}: karmada.etcd_replicas: 2 etcd replicas tolerate no more failures than 1; use an odd number such as 3 or 5",
    )


def test_merge_keys_and_aliases_are_not_keys_given_twice(tmp_path):
    path = tmp_path / "merge.yaml"
    path.write_text("members:\n  - &m {name: a, region: us-east-1, vpc_cidr: 10.1.0.0/16}\n"
                    "  - <<: *m\n    name: b\n    vpc_cidr: 10.2.0.0/16\n  - *m\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    # The alias repeats member a (a real mistake); the merge that overrides name and vpc_cidr is no duplicate.
    assert raised.value.lines == (
        f"{path}: members[2].name: duplicate member name 'a'; give each member a unique name",
        f"{path}: members[2].vpc_cidr: 10.1.0.0/16 overlaps members[0].vpc_cidr 10.1.0.0/16; the VPCs must not overlap "
        "to be peered or joined by a transit gateway: use a free range such as 10.3.0.0/16",
    )


def test_keys_after_a_merge_key_are_still_read_as_written(tmp_path):
    path = tmp_path / "merge.yaml"
    path.write_text("members:\n  - &m {name: a, region: us-east-1, vpc_cidr: 10.1.0.0/16}\n"
                    "  - <<: *m\n    name: b\n    vpc_cidr: 10.2.0.0/16\n    labels: {spot: yes}\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert raised.value.lines == (f'{path}: members[1].labels.spot: YAML reads yes as the boolean true; quote it: "yes"',)


YAML_ERRORS = [
    ("not-marked", yaml.YAMLError("boom\n  in a stream"), "c.yaml: not valid YAML: boom in a stream; fix the syntax"),
    ("problem-without-mark", yaml.MarkedYAMLError(problem="found a tab"),
     "c.yaml: not valid YAML: found a tab; fix the syntax there"),
    ("context-only", yaml.MarkedYAMLError(context="while reading", context_mark=yaml.Mark("c", 0, 2, 4, None, None)),
     "c.yaml: line 3, column 5: not valid YAML: while reading; fix the syntax there"),
    ("context-without-mark", yaml.MarkedYAMLError(context="while reading", problem="found x",
                                                  problem_mark=yaml.Mark("c", 0, 6, 0, None, None)),
     "c.yaml: line 7, column 1: not valid YAML: found x; fix the syntax there"),
]


@pytest.mark.parametrize("err, message", [c[1:] for c in YAML_ERRORS], ids=[c[0] for c in YAML_ERRORS])
def test_every_shape_of_yaml_error_is_one_line(err, message):
    from eks_karmada.config import _yaml_error

    assert _yaml_error(Path("c.yaml"), "", err) == message


EMPTY_FIX = "start from a copy of config/default.yaml: cp config/default.yaml my-config.yaml"


@pytest.mark.parametrize("text", ["", "\n\n", "# nothing yet\n", "~\n", "null\n", "---\n...\n"],
                         ids=["nothing", "blank", "comments", "tilde", "null", "empty-document"])
def test_an_empty_file_is_an_error_saying_how_to_start(tmp_path, text):
    path = tmp_path / "empty.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert raised.value.lines == (f"{path}: the file is empty (no settings); {EMPTY_FIX}",)


def test_no_data_is_empty_and_an_empty_mapping_is_every_default():
    with pytest.raises(ConfigError) as raised:
        parse_config(None, "c.yaml")
    assert str(raised.value) == f"c.yaml: the file is empty (no settings); {EMPTY_FIX}"
    # `{}` says "all defaults" on purpose: the parent alone, no members (docs/configuration.md says so).
    assert parse_config({}) == AppConfig()
    assert parse_config({}).members == []


def test_a_file_that_is_not_a_mapping_names_what_it_holds(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value) == f"{path}: the file must hold a YAML mapping of settings, got list"


INVALID_YAML = [
    ("unclosed-list", "karmada:\n  etcd_replicas: 3\n  apiserver_replicas: [2\nmembers: []\n",
     "line 4, column 8: not valid YAML: expected ',' or ']', but got ':' (while parsing a flow sequence at line 3, "
     "column 23); fix the syntax there"),
    ("colon-in-value", "parent:\n  region: us-east-1\n  cluster_name: a: b\n",
     "line 3, column 18: not valid YAML: mapping values are not allowed here; fix the syntax there"),
    ("bad-indent", "parent:\n  region: us-east-1\n cluster_name: x\n",
     "line 3, column 2: not valid YAML: expected <block end>, but found '<block mapping start>' (while parsing a block "
     "mapping at line 1, column 1); fix the syntax there"),
    ("unclosed-quote", 'parent:\n  cluster_name: "x\n',
     "line 3, column 1: not valid YAML: found unexpected end of stream (while scanning a quoted scalar at line 2, "
     "column 17); fix the syntax there"),
    ("two-documents", "karmada: {}\n---\nparent: {}\n",
     "line 2, column 1: not valid YAML: expected a single document in the stream, but found another document; "
     "fix the syntax there"),
    ("unknown-tag", "karmada: !!foo x\n",
     "line 1, column 10: not valid YAML: could not determine a constructor for the tag 'tag:yaml.org,2002:foo'; "
     "fix the syntax there"),
    ("control-character", "karmada:\n  etcd_replicas: 3\x07\n",
     "line 2, column 19: not valid YAML: unacceptable character #x0007: special characters are not allowed; "
     "remove the character"),
    ("control-character-first-line", "karmada: \x07\n",
     "line 1, column 10: not valid YAML: unacceptable character #x0007: special characters are not allowed; "
     "remove the character"),
]


@pytest.mark.parametrize("text, message", [c[1:] for c in INVALID_YAML], ids=[c[0] for c in INVALID_YAML])
def test_invalid_yaml_gives_line_column_and_the_parsers_reason(tmp_path, text, message):
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert raised.value.lines == (f"{path}: {message}",)


def test_a_file_that_is_not_utf8_says_so(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"# caf\xe9\nkarmada: {}\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value) == f"{path}: byte 5 is not UTF-8 text; save the file as UTF-8"


def test_missing_file_names_the_path_and_the_reason(tmp_path):
    path = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value) == (f"{path}: cannot read the config file (No such file or directory); "
                                 "check the path given as CONFIG or -c config")


def test_a_bad_file_is_reported_under_its_path(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(edited({"parent.nat_gateways": 0})))
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value) == (f"{path}: parent.nat_gateways: input should be greater than or equal to 1 (got 0); "
                                 "fix the value in the file")


def test_non_ascii_text_is_read_as_utf8(tmp_path):
    path = tmp_path / "utf8.yaml"
    path.write_text("# café\n" + yaml.safe_dump(DEFAULT), encoding="utf-8")
    assert load_config(path) == load_config()


# --- warnings: valid but loud ----------------------------------------------------------------------------
def test_every_endpoint_open_to_the_world_is_warned_about_by_name():
    config = parse_config(edited({
        "parent.endpoint.public_cidrs": ["0.0.0.0/0"], "parent.endpoint.allow_anywhere": True,
        "members.1.endpoint": {"parent_access": "public", "public_cidrs": ["10.9.0.0/16", "0.0.0.0/0"],
                               "allow_anywhere": True},
    }))
    assert config.warnings() == [
        "parent.endpoint.public_cidrs admits 0.0.0.0/0: the EKS API is open to the internet",
        "members.member-usw2.endpoint.public_cidrs admits 0.0.0.0/0: the EKS API is open to the internet",
    ]


def test_the_sample_goes_to_new_members_unless_the_config_names_its_members():
    mixed = {"members.1.kind": "existing", "members.1.cluster_name": "prod", "members.1.vpc_cidr": DELETE}
    assert parse_config(DEFAULT).sample_members() == ["member-use1", "member-usw2"]
    assert parse_config(edited(mixed)).sample_members() == ["member-use1"]
    named = parse_config(edited({**mixed, "sample_workload.members": ["member-usw2", "member-use1"]}))
    assert named.sample_members() == ["member-usw2", "member-use1"]
    assert named.warnings() == [kubectl_note("member-usw2")]


def test_a_sample_with_nowhere_to_go_is_warned_about_unless_it_is_off():
    existing = {"members.0.kind": "existing", "members.0.cluster_name": "a", "members.0.vpc_cidr": DELETE,
                "members.1.kind": "existing", "members.1.cluster_name": "b", "members.1.vpc_cidr": DELETE}
    assert parse_config(edited(existing)).sample_members() == []
    assert parse_config(edited(existing)).warnings() == [
        kubectl_note("member-use1"), kubectl_note("member-usw2"),
        "sample_workload: no `new` member, so the sample is not deployed; list the members it may go to in "
        "sample_workload.members, or set sample_workload.enabled: false"]
    assert parse_config(edited({**existing, "sample_workload.enabled": False})).warnings() == [
        kubectl_note("member-use1"), kubectl_note("member-usw2")]
    assert parse_config(edited({"members": []})).warnings() == []


def kubectl_note(member: str) -> str:
    return (f"members.{member}.kubectl_network not set: its kubectl provider runs outside any VPC, so the cluster's "
            "public endpoint must admit AWS Lambda; give private subnets of its VPC (docs/operations.md, existing "
            "members)")


def test_sample_and_workloads_defaults():
    config = parse_config(DEFAULT)
    assert (config.sample_workload.members, config.sample_workload.namespace) == (None, "eks-karmada-sample")
    assert (config.workloads.modules, config.workloads.python_path) == ([], [])


def test_member_defaults_follow_its_name_and_region():
    member = parse_config(DEFAULT).members[1]
    assert (member.eks_cluster_name, member.zones) == ("karmada-member-usw2", ["us-west-2a", "us-west-2b", "us-west-2c"])
    named = parse_config(edited({"members.1.cluster_name": "prod", "members.1.availability_zones": ["us-west-2b", "us-west-2d"]}))
    assert (named.members[1].eks_cluster_name, named.members[1].zones) == ("prod", ["us-west-2b", "us-west-2d"])


def test_non_ascii_text_is_read_as_utf8_whatever_the_locale(tmp_path):
    import os
    import subprocess
    import sys

    from tests.synth import ROOT

    path = tmp_path / "utf8.yaml"
    path.write_text("# café, Zürich\n" + yaml.safe_dump(DEFAULT), encoding="utf-8")
    assert load_config(path).parent.region == "us-east-1"  # in this process (whose locale may be UTF-8) too
    # An ASCII locale without UTF-8 mode: what a bare CI container may have.
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from eks_karmada.config import load_config; "
         "print(load_config(sys.argv[1]).parent.region)", str(path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert (result.returncode, result.stdout.strip()) == (0, "us-east-1"), result.stderr[-500:]


# --- member add-ons and mirrors: what the config means ----------------------------------------------------
@pytest.mark.parametrize("kind, addons, metrics_server, load_balancer_controller", [
    ("new", {}, True, True),
    ("new", {"metrics_server": False}, False, True),
    ("new", {"load_balancer_controller": False}, True, False),
    ("existing", {}, False, False),
    ("existing", {"metrics_server": True}, True, False),
    ("external", {}, False, False),
])
def test_member_addons_default_on_for_new_members_only(kind, addons, metrics_server, load_balancer_controller):
    edits = {"members.0.kind": kind, "members.0.addons": addons}
    if kind == "existing":
        edits |= {"members.0.cluster_name": "prod", "members.0.vpc_cidr": DELETE}
    if kind == "external":
        edits |= {"api_endpoint.scheme": "internet-facing", "members.0.region": None, "members.0.sync_mode": "Pull",
                  "members.0.vpc_cidr": DELETE}
        del edits["members.0.addons"]
    member = parse_config(edited(edits)).members[0]
    assert (member.metrics_server, member.load_balancer_controller) == (metrics_server, load_balancer_controller)


@pytest.mark.parametrize("mirrors, unset", [
    ({"images": "m.example.com"}, "helm_charts, crds"),
    ({"images": "m.example.com", "crds": "s3://b-1/crds.tar.gz"}, "helm_charts"),
    ({"helm_charts": "oci://123456789012.dkr.ecr.us-east-1.amazonaws.com"}, "images, crds"),
    ({"crds": "s3://b-1/crds.tar.gz"}, "images, helm_charts"),
])
def test_partial_mirrors_warn_naming_what_still_comes_from_the_internet(mirrors, unset):
    config = parse_config(edited({"mirrors": mirrors}))
    assert config.warnings() == [f"mirrors: {unset} not set: those artifacts still come from the internet "
                                 "(docs/air-gap.md)"]


def test_no_mirrors_or_all_mirrors_warn_nothing():
    assert parse_config(edited({})).warnings() == []
    every = {"images": "m.example.com", "helm_charts": "oci://123456789012.dkr.ecr.us-east-1.amazonaws.com",
             "crds": "s3://b-1/crds.tar.gz"}
    assert parse_config(edited({"mirrors": every})).warnings() == []


def test_a_dump_of_the_whole_default_config_loads_back():
    # Switched-off sections (traffic) are written out with their defaults: those ask for nothing.
    default = load_config()
    assert AppConfig.model_validate(default.model_dump(mode="json")) == default
