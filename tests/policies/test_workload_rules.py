"""The sample workload's and the presets' argument rules from both sides.

Each bad argument with its exact one-line message, and the valid neighbours that must pass.
"""

from __future__ import annotations

import pytest

from charts.policies import PolicyError, presets
from charts.policies.sample import DEFAULT_IMAGE, _check_arguments

DIGEST = "sha256:" + "0" * 64

BAD_SAMPLE_ARGUMENTS = [
    ("no-members", (), DEFAULT_IMAGE, 4,
     "SampleWorkloadChart sample-nginx: member_names: needs at least one member cluster name, e.g. ['member-us-west-2']"),
    ("members-as-a-string", "member-a", DEFAULT_IMAGE, 4,
     "SampleWorkloadChart sample-nginx: member_names: needs at least one member cluster name, e.g. ['member-us-west-2']"),
    ("member-twice", ("a", "b", "a"), DEFAULT_IMAGE, 4,
     "SampleWorkloadChart sample-nginx: member_names: ['a', 'b', 'a'] lists a cluster twice; each member gets one equal weight"),
    ("image-untagged", ("a",), "nginxinc/nginx-unprivileged", 4,
     f"SampleWorkloadChart sample-nginx: image: 'nginxinc/nginx-unprivileged' is not pinned; use a release tag or digest, e.g. {DEFAULT_IMAGE!r}"),
    ("image-latest", ("a",), "nginx:latest", 4,
     f"SampleWorkloadChart sample-nginx: image: 'nginx:latest' is not pinned; use a release tag or digest, e.g. {DEFAULT_IMAGE!r}"),
    ("image-port-only", ("a",), "registry:5000/nginx", 4,
     f"SampleWorkloadChart sample-nginx: image: 'registry:5000/nginx' is not pinned; use a release tag or digest, e.g. {DEFAULT_IMAGE!r}"),
    ("replicas-zero", ("a",), DEFAULT_IMAGE, 0, "SampleWorkloadChart sample-nginx: replicas: 0 must be a positive int"),
    ("replicas-bool", ("a",), DEFAULT_IMAGE, True, "SampleWorkloadChart sample-nginx: replicas: True must be a positive int"),
    ("replicas-text", ("a",), DEFAULT_IMAGE, "2", "SampleWorkloadChart sample-nginx: replicas: '2' must be a positive int"),
]


@pytest.mark.parametrize("members, image, replicas, message", [c[1:] for c in BAD_SAMPLE_ARGUMENTS],
                         ids=[c[0] for c in BAD_SAMPLE_ARGUMENTS])
def test_bad_sample_argument_is_refused_with_its_exact_message(members, image, replicas, message):
    with pytest.raises(PolicyError) as raised:
        _check_arguments(members, image, replicas)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    "members, image, replicas",
    [(("a",), DEFAULT_IMAGE, 1),
     (["member-use1", "member-usw2"], "registry:5000/nginx:1.27.3", 4),
     (("a",), f"nginx@{DIGEST}", 2),
     (("a",), f"docker.io/nginxinc/nginx-unprivileged:1.27@{DIGEST}", 100)],
    ids=["one-replica", "registry-with-port-and-tag", "digest-only", "tag-and-digest"],
)
def test_valid_sample_arguments_pass(members, image, replicas):
    assert _check_arguments(members, image, replicas) is None


@pytest.mark.parametrize(
    "account_id, region, message",
    [("12345", "us-west-2", "ecr_registry: account_id '12345' is not 12 digits"),
     ("1234567890123", "us-west-2", "ecr_registry: account_id '1234567890123' is not 12 digits"),
     ("123456789012", "uswest2", "ecr_registry: region 'uswest2' is not an AWS region name like 'us-west-2'")],
)
def test_bad_ecr_registry_is_refused_with_its_exact_message(account_id, region, message):
    with pytest.raises(ValueError) as raised:
        presets.ecr_registry(account_id, region)
    assert str(raised.value) == message


@pytest.mark.parametrize("region", ["us-west-2", "ap-southeast-2", "us-gov-west-1"])
def test_valid_ecr_registry(region):
    assert presets.ecr_registry("123456789012", region) == f"123456789012.dkr.ecr.{region}.amazonaws.com"
