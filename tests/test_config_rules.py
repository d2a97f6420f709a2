"""Every config rule from both sides: bad cases with exact messages, and valid neighbours.

A table of bad cases, each with its exact one-line message, and a table of valid neighbours that must
load. A check deleted, inverted or loosened fails one of them.
"""

from __future__ import annotations

import copy

import pytest
import yaml

from eks_karmada.config import DEFAULT_CONFIG_PATH, AppConfig, ConfigError, load_config, parse_config

DEFAULT = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
DELETE = object()


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


SUBNETS = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1", "subnet-0123456789abcdef2"]
PUBLIC = ["subnet-0123456789abcdefa", "subnet-0123456789abcdefb", "subnet-0123456789abcdefc"]
PARENT_VPC = {"parent.vpc_cidr": "10.9.0.0/16",
              "parent.existing_vpc.vpc_id": "vpc-0123456789abcdef0",
              "parent.existing_vpc.private_subnet_ids": SUBNETS,
              "parent.existing_vpc.egress_cidrs": ["203.0.113.7/32"]}
MEMBER_VPC = {"members.0.vpc_cidr": "10.5.0.0/16", "members.0.availability_zones": ["us-east-1a", "us-east-1b"],
              "members.0.existing_vpc.vpc_id": "vpc-0123456789abcdef0",
              "members.0.existing_vpc.private_subnet_ids": SUBNETS[:2]}

BAD_CASES = [
    ('kubernetes-unsupported', {'versions.kubernetes': '1.33'},
     "c.yaml: versions.kubernetes: unsupported Kubernetes version '1.33'; use one of 1.34, 1.35"),
    ('karmada-other-minor', {'versions.karmada': 'v1.17.2'},
     "c.yaml: versions.karmada: unsupported Karmada version 'v1.17.2'; use a v1.18.x release such as v1.18.2"),
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
    ('member-existing-without-region', {'members.0.kind': 'existing', 'members.0.cluster_name': 'c', 'members.0.region': None},
     'c.yaml: members[0].region: an existing member needs a region; add region: <aws-region>'),
    ('member-existing-without-cluster-name', {'members.0.kind': 'existing'},
     'c.yaml: members[0].cluster_name: an existing member needs it; add the EKS cluster name to import'),
    ('member-external-push', {'members.0.kind': 'external', 'members.0.region': None},
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
    ("backup-image-short-digest", {"karmada.etcd_backup.aws_cli_image": "aws-cli@sha256:abc"},
     "c.yaml: karmada.etcd_backup.aws_cli_image: 'aws-cli@sha256:abc' is not pinned; use a version tag such as public.ecr.aws/aws-cli/aws-cli:2.36.7"),
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
                                  "members.0.existing_vpc.private_subnet_ids": SUBNETS[:2]},
     "c.yaml: members[0].existing_vpc.private_subnet_ids: needs one subnet per availability zone (3: us-east-1a, us-east-1b, us-east-1c), got 2; list them in the order of availability_zones"),
    ("member-vpc-without-cidr", {**MEMBER_VPC, "members.0.vpc_cidr": DELETE},
     "c.yaml: members[0].vpc_cidr: set it to the CIDR of vpc-0123456789abcdef0"),
    ("member-vpc-with-nat", {**MEMBER_VPC, "members.0.nat_gateways": 1},
     "c.yaml: members[0].nat_gateways: has no effect with existing_vpc (the existing VPC's own gateways and routes are used); remove it"),
    ("member-vpc-on-existing", {**MEMBER_VPC, "members.0.kind": "existing", "members.0.cluster_name": "prod"},
     "c.yaml: members[0].existing_vpc: has no effect on an existing member (its cluster already has a network); remove it"),
]


@pytest.mark.parametrize("edits, message", [c[1:] for c in BAD_CASES], ids=[c[0] for c in BAD_CASES])
def test_bad_value_is_refused_with_its_exact_one_line_message(edits, message):
    with pytest.raises(ConfigError) as raised:
        parse_config(edited(edits), "c.yaml")
    assert str(raised.value) == message
    assert "\n" not in message


GOOD_CASES = [
    ("vpc-existing-parent", PARENT_VPC),
    ("vpc-existing-parent-17-and-8-hex", {**PARENT_VPC, "parent.existing_vpc.vpc_id": "vpc-0123abcd",
                                         "parent.existing_vpc.private_subnet_ids": ["subnet-0123abcd", *SUBNETS[1:]]}),
    ("vpc-existing-parent-public", {**PARENT_VPC, "parent.existing_vpc.public_subnet_ids": PUBLIC,
                                    "api_endpoint.scheme": "internet-facing"}),
    ("vpc-existing-parent-no-new-member", {**PARENT_VPC, "parent.existing_vpc.egress_cidrs": [],
                                           "members.0.kind": "existing", "members.0.cluster_name": "a",
                                           "members.1.kind": "existing", "members.1.cluster_name": "b"}),
    ("vpc-existing-member", MEMBER_VPC),
    ("vpc-existing-member-public", {**MEMBER_VPC, "members.0.existing_vpc.public_subnet_ids": PUBLIC[:2]}),
    ("deployer-access-off", {"parent.deployer_access": False}),
    ("kubernetes-1.34", {"versions.kubernetes": "1.34"}),
    ("karmada-other-patch", {"versions.karmada": "v1.18.0"}),
    ("node-min-one", {"parent.node_group.min_size": 1, "parent.node_group.desired_size": 1, "parent.node_group.max_size": 1}),
    ("node-desired-equals-max", {"parent.node_group.desired_size": 6}),
    ("root-volume-bounds-low", {"parent.node_group.root_volume_gib": 20}),
    ("root-volume-bounds-high", {"parent.node_group.root_volume_gib": 16384}),
    ("iops-bounds", {"parent.storage_class.iops": 80000, "parent.storage_class.throughput_mibps": 2000}),
    ("lb-controller-v2", {"parent.addons.load_balancer_controller": "v2.17.1"}),
    ("scheme-internet-facing", {"api_endpoint.scheme": "internet-facing", "api_endpoint.allowed_cidrs": ["203.0.113.0/24"]}),
    ("custom-domain", {"api_endpoint.custom_domain": "karmada.corp.example.com"}),
    ("api-open-explicitly", {"api_endpoint.allowed_cidrs": ["0.0.0.0/0"], "api_endpoint.allow_anywhere": True}),
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
    ("backup-image-digest", {"karmada.etcd_backup.aws_cli_image": "aws-cli@sha256:" + "a" * 64}),
    ("member-name-32", {"members.0.name": "m" * 32}),
    ("member-name-one-letter", {"members.0.name": "m"}),
    ("member-existing", {"members.0.kind": "existing", "members.0.cluster_name": "prod-eks"}),
    ("member-external-pull", {"api_endpoint.scheme": "internet-facing", "members.0.kind": "external", "members.0.region": None, "members.0.sync_mode": "Pull"}),
    ("member-new-two-azs", {"members.0.availability_zones": ["us-east-1a", "us-east-1b"]}),
    ("member-new-three-azs", {"members.1.availability_zones": ["us-west-2a", "us-west-2b", "us-west-2d"]}),
    ("member-nat-three", {"members.0.nat_gateways": 3}),
    ("member-pull-internet-facing", {"api_endpoint.scheme": "internet-facing", "members.1.sync_mode": "Pull"}),
    ("member-account", {"members.0.account": "210987654321"}),
    ("no-members", {"members": []}),
    ("sample-toleration-bounds", {"sample_workload.not_ready_toleration_seconds": 86400}),
    ("sample-toleration-zero", {"sample_workload.not_ready_toleration_seconds": 0}),
]


@pytest.mark.parametrize("edits", [c[1] for c in GOOD_CASES], ids=[c[0] for c in GOOD_CASES])
def test_valid_neighbour_loads_with_the_value_given(edits):
    config = parse_config(edited(edits), "c.yaml")
    dumped = config.model_dump(mode="json")
    for path, value in edits.items():
        node = dumped
        for key in [int(p) if p.isdigit() else p for p in path.split(".")]:
            node = node[key]
        assert node == value, path


# --- how a problem is reported ---------------------------------------------------------------------------
def test_several_problems_are_one_line_naming_the_first_and_counting_the_rest():
    with pytest.raises(ConfigError) as two:
        parse_config(edited({"karmada.etcd_replicas": 4, "karmada.apiserver_replicas": 1}), "c.yaml")
    assert str(two.value) == ("c.yaml: karmada.etcd_replicas: 4 etcd replicas tolerate no more failures than 3; "
                              "use an odd number such as 3 or 5 (and 1 more)")
    with pytest.raises(ConfigError) as three:
        parse_config(edited({"karmada.etcd_replicas": 4, "karmada.apiserver_replicas": 1, "parent.nat_gateways": 0}))
    assert str(three.value).startswith("config: parent.nat_gateways: ")
    assert str(three.value).endswith(" (and 2 more)")


def test_an_empty_file_is_the_default_deployment_without_members():
    assert parse_config(None) == AppConfig()
    assert parse_config(None).members == []


def test_a_file_that_is_not_a_mapping_names_what_it_holds(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value) == f"{path}: the file must hold a YAML mapping of settings, got list"


def test_invalid_yaml_names_its_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("karmada:\n  etcd_replicas: 3\n  apiserver_replicas: [2\nmembers: []\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value) == f"{path}: not valid YAML at line 4; fix the syntax"


def test_unreadable_characters_are_invalid_yaml_without_a_line(tmp_path):
    path = tmp_path / "bell.yaml"
    path.write_text("karmada: \x07\n")
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value) == f"{path}: not valid YAML; fix the syntax"


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
        "members.1.endpoint": {"public_cidrs": ["10.9.0.0/16", "0.0.0.0/0"], "allow_anywhere": True},
    }))
    assert config.warnings() == [
        "parent.endpoint.public_cidrs admits 0.0.0.0/0: the EKS API is open to the internet",
        "members.member-usw2.endpoint.public_cidrs admits 0.0.0.0/0: the EKS API is open to the internet",
    ]


def test_allow_anywhere_without_an_open_cidr_warns_nothing():
    config = parse_config(edited({"parent.endpoint.public_cidrs": ["203.0.113.0/24"], "parent.endpoint.allow_anywhere": True,
                                  "api_endpoint.allow_anywhere": True}))
    assert config.warnings() == []


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
