"""The ECR pull-through cache (mirrors.pull_through_cache, docs/air-gap.md#the-pull-through-cache).

One synth of a fleet in two regions and two accounts, with the Docker Hub secret: the rules and templates exist once
per account and region, the cluster stacks there depend on them, the node roles are scoped to the cache's prefixes,
and every cluster's images point at its own registry. The default synth (no secret) and the mirrored one
(`mirrors.images`) say what happens without.
"""

from __future__ import annotations

import json

import pytest

from eks_karmada import stack_names
from eks_karmada.config import ConfigError, parse_config
from eks_karmada.image_cache import cache_sites, notes
from eks_karmada.mirrors import Mirror, cluster_mirror
from tests.synth import synthesize

OTHER_ACCOUNT = "111122223333"
SECRET = "ecr-pullthroughcache/docker-hub"
CACHED = {
    "api_endpoint": {"scheme": "internet-facing", "allowed_cidrs": ["198.51.100.0/24"]},
    "members": [
        {"name": "east-a", "region": "us-east-1", "vpc_cidr": "10.1.0.0/16"},
        {"name": "east-b", "region": "us-east-1", "vpc_cidr": "10.2.0.0/16"},
        {"name": "west-a", "region": "us-west-2", "vpc_cidr": "10.3.0.0/16"},
        {"name": "west-b", "region": "us-west-2", "vpc_cidr": "10.4.0.0/16", "sync_mode": "Pull"},
        {"name": "west-other", "region": "us-west-2", "account": OTHER_ACCOUNT, "vpc_cidr": "10.5.0.0/16",
         "sync_mode": "Pull", "endpoint": {"parent_access": "public"}},
        {"name": "prod", "kind": "existing", "region": "eu-west-1", "cluster_name": "prod-eks", "sync_mode": "Pull"},
    ],
    "mirrors": {"pull_through_cache": {"docker_hub_secret": SECRET}},
}
CACHE_STACKS = {"KarmadaImageCache-us-east-1": "us-east-1", "KarmadaImageCache-us-west-2": "us-west-2",
                f"KarmadaImageCache-{OTHER_ACCOUNT}-us-west-2": "us-west-2"}
PREFIXES = {"registry.k8s.io", "quay.io", "public.ecr.aws", "docker.io"}
PULL_ACTIONS = ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"]


@pytest.fixture(scope="module")
def cached(tmp_path_factory):
    return synthesize(parse_config(CACHED, "cached"), tmp_path_factory.mktemp("cdk.out-cached"))


def _resources(template: dict, kind: str) -> list[dict]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


def _statements(template: dict) -> list[dict]:
    return [s for p in _resources(template, "AWS::IAM::Policy") for s in p["Properties"]["PolicyDocument"]["Statement"]]


def _arn(value) -> str:
    """An ARN as text, `{"Ref": "AWS::AccountId"}` written as <AWS::AccountId>."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return f"<{value['Ref']}>"
    return "".join(_arn(part) for part in value["Fn::Join"][1])


# --- the registry's rules and templates --------------------------------------------------------------------------


def test_rules_and_templates_are_made_once_per_account_and_region(cached):
    holders = {name for name, t in cached.templates.items() if _resources(t, "AWS::ECR::PullThroughCacheRule")}
    assert holders == set(CACHE_STACKS)
    assert [stack_names.image_cache_stack(site) for site in cache_sites(parse_config(CACHED))] == list(CACHE_STACKS)
    for name in CACHE_STACKS:
        template = cached.templates[name]
        rules = {r["Properties"]["EcrRepositoryPrefix"]: r["Properties"]
                 for r in _resources(template, "AWS::ECR::PullThroughCacheRule")}
        templates = {t["Properties"]["Prefix"]: t["Properties"]
                     for t in _resources(template, "AWS::ECR::RepositoryCreationTemplate")}
        assert set(rules) == set(templates) == PREFIXES, name
        assert {p: (r["UpstreamRegistry"], r["UpstreamRegistryUrl"]) for p, r in rules.items()} == {
            "registry.k8s.io": ("k8s", "registry.k8s.io"), "quay.io": ("quay", "quay.io"),
            "public.ecr.aws": ("ecr-public", "public.ecr.aws"), "docker.io": ("docker-hub", "registry-1.docker.io"),
        }
        # Only Docker Hub has credentials: the secret's full ARN, read at deploy time from its name.
        assert [p for p, r in rules.items() if "CredentialArn" in r] == ["docker.io"]
        (lookup,) = [r for r in template["Resources"].values() if r["Type"] == "Custom::AWS"]
        assert json.loads(_arn(lookup["Properties"]["Create"]))["parameters"] == {"SecretId": SECRET}
        (key_id,) = [k for k, r in template["Resources"].items()
                     if r["Type"] == "AWS::KMS::Key" and k.startswith("PullThroughCacheRepositoryKey")]
        assert template["Resources"][key_id]["Properties"]["EnableKeyRotation"] is True
        for prefix, settings in templates.items():
            assert settings["AppliedFor"] == ["PULL_THROUGH_CACHE"]
            assert settings["EncryptionConfiguration"] == {"EncryptionType": "KMS",
                                                          "KmsKey": {"Fn::GetAtt": [key_id, "Arn"]}}
            assert settings["ImageTagMutability"] == "IMMUTABLE"
            assert "ResourceTags" not in settings and "RepositoryPolicy" not in settings
            (rule,) = json.loads(settings["LifecyclePolicy"])["rules"]
            assert rule["selection"] == {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 10}
            assert rule["action"] == {"type": "expire"}, prefix


def test_the_repository_creation_role_creates_under_the_prefixes_only(cached):
    template = cached.templates["KarmadaImageCache-us-west-2"]
    (role,) = [r for r in _resources(template, "AWS::IAM::Role") if "ecr.amazonaws.com" in json.dumps(r)]
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "ecr.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}
    statements = {tuple(sorted([s["Action"]] if isinstance(s["Action"], str) else s["Action"])): s["Resource"]
                  for s in _statements(template) if "ecr:CreateRepository" in json.dumps(s) or "kms:" in json.dumps(s)}
    creates = statements[("ecr:CreateRepository",)]
    assert sorted(_arn(r) for r in creates) == sorted(
        f"arn:aws:ecr:us-west-2:<AWS::AccountId>:repository/{prefix}/*" for prefix in PREFIXES)
    assert list(statements[("kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant")]) == ["Fn::GetAtt"]


def test_cluster_stacks_depend_on_the_cache_of_their_account_and_region(cached):
    manifest = json.loads((cached.outdir / "manifest.json").read_text())
    depends = {name: set(a.get("dependencies", [])) & set(cached.templates)
               for name, a in manifest["artifacts"].items() if a["type"] == "aws:cloudformation:stack"}
    expected = {"KarmadaParent": "KarmadaImageCache-us-east-1", "KarmadaMember-east-a": "KarmadaImageCache-us-east-1",
                "KarmadaMember-east-b": "KarmadaImageCache-us-east-1",
                "KarmadaMember-west-a": "KarmadaImageCache-us-west-2",
                "KarmadaMember-west-b": "KarmadaImageCache-us-west-2",
                "KarmadaMember-west-other": f"KarmadaImageCache-{OTHER_ACCOUNT}-us-west-2"}
    for stack, cache in expected.items():
        assert {d for d in depends[stack] if d.startswith("KarmadaImageCache")} == {cache}, stack
    # An existing member's nodes are not this app's: no cache, no dependency.
    assert not {d for d in depends["KarmadaMember-prod"] if d.startswith("KarmadaImageCache")}
    assert all(not depends[cache] for cache in CACHE_STACKS)
    assert manifest["artifacts"][f"KarmadaImageCache-{OTHER_ACCOUNT}-us-west-2"]["environment"] == \
        f"aws://{OTHER_ACCOUNT}/us-west-2"


# --- the nodes ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("stack", "region", "account"), [
    ("KarmadaParent", "us-east-1", "<AWS::AccountId>"),
    ("KarmadaMember-east-b", "us-east-1", "<AWS::AccountId>"),
    ("KarmadaMember-west-a", "us-west-2", "<AWS::AccountId>"),
    ("KarmadaMember-west-other", "us-west-2", OTHER_ACCOUNT),
])
def test_node_roles_may_fill_their_own_cache_only(cached, stack, region, account):
    template = cached.templates[stack]
    granted = [s for s in _statements(template) if s["Action"] == PULL_ACTIONS]
    (statement,) = granted
    assert statement["Effect"] == "Allow"
    assert sorted(_arn(r) for r in statement["Resource"]) == sorted(
        f"arn:aws:ecr:{region}:{account}:repository/{prefix}/*" for prefix in PREFIXES)
    (policy,) = [p for p in _resources(template, "AWS::IAM::Policy")
                 if statement in p["Properties"]["PolicyDocument"]["Statement"]]
    assert [r["Ref"] for r in policy["Properties"]["Roles"]] == [
        k for k, r in template["Resources"].items()
        if r["Type"] == "AWS::IAM::Role" and "NodeGroupRole" in k]
    # Nothing else in the stack may import or create repositories.
    assert not [s for s in _statements(template) if s is not statement and any(
        a in json.dumps(s["Action"]) for a in ("BatchImportUpstreamImage", "ecr:CreateRepository", "ecr:*"))]


def test_an_existing_member_gets_no_cache_permission(cached):
    assert "BatchImportUpstreamImage" not in json.dumps(cached.templates["KarmadaMember-prod"])


# --- what the clusters pull --------------------------------------------------------------------------------------


def _images(objects: list[dict]) -> set[str]:
    found = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                found.add(value) if key == "image" and isinstance(value, str) else walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(objects)
    return found


def test_each_cluster_pulls_from_its_own_registry(cached):
    parent = _images(cached.manifests["parent"])
    cache = "${Parent.AccountId}.dkr.ecr.us-east-1.amazonaws.com"
    assert f"{cache}/docker.io/karmada/karmada-controller-manager:v1.18.2" in parent
    assert f"{cache}/registry.k8s.io/etcd:3.6.6-0" in parent
    assert f"{cache}/public.ecr.aws/aws-cli/aws-cli:2.36.7" in parent
    # In an AWS-owned registry already.
    assert "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-iam-authenticator:v0.7.10" in parent
    # ... and the app's own image, from the CDK assets repository (karmada_constructs/cluster_guard_image.py).
    assert {i for i in parent if not i.startswith(cache)} == {
        "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-iam-authenticator:v0.7.10",
        "${ImageAsset.karmada-cluster-guard}"}
    # Pull members: the agent from the member's own account and region.
    # (with its metrics collector: a Pull member in the parent's account, observability on)
    assert _images(cached.manifests["member-west-b"]) == {
        "${Parent.AccountId}.dkr.ecr.us-west-2.amazonaws.com/docker.io/karmada/karmada-agent:v1.18.2",
        "${Parent.AccountId}.dkr.ecr.us-west-2.amazonaws.com/public.ecr.aws/aws-observability/aws-otel-collector:"
        "v0.49.0"}
    assert _images(cached.manifests["member-west-other"]) == {
        f"{OTHER_ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/docker.io/karmada/karmada-agent:v1.18.2"}
    assert _images(cached.manifests["member-prod"]) == {
        "docker.io/karmada/karmada-agent:v1.18.2", "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0"}
    # Workloads go to members of any account and region: never one cluster's cache.
    assert _images(cached.manifests["karmada"]) == {"public.ecr.aws/nginx/nginx-unprivileged:1.29.3-alpine"}


def test_the_helm_charts_images_come_through_the_cache(cached):
    parent = json.dumps(cached.templates["KarmadaParent"])
    for repository in ("quay.io/jetstack/cert-manager-controller", "quay.io/jetstack/cert-manager-webhook",
                       "public.ecr.aws/eks/aws-load-balancer-controller"):
        assert f".dkr.ecr.us-east-1.amazonaws.com/{repository}" in parent, repository
    member = json.dumps(cached.templates["KarmadaMember-west-other"])
    assert f"{OTHER_ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/public.ecr.aws/eks/aws-load-balancer-controller" in member


def test_without_the_secret_docker_io_stays_upstream_and_synth_says_so(synthesized, default_config):
    parent = _images(synthesized.manifests["parent"])
    assert "docker.io/karmada/karmada-webhook:v1.18.2" in parent
    assert "${Parent.AccountId}.dkr.ecr.us-east-1.amazonaws.com/registry.k8s.io/kube-apiserver:v1.35.2" in parent
    for name in ("KarmadaImageCache-us-east-1", "KarmadaImageCache-us-west-2"):
        rules = _resources(synthesized.templates[name], "AWS::ECR::PullThroughCacheRule")
        assert sorted(r["Properties"]["EcrRepositoryPrefix"] for r in rules) == [
            "public.ecr.aws", "quay.io", "registry.k8s.io"]
        assert "Custom::AWS" not in json.dumps(synthesized.templates[name])
    (note,) = notes(default_config)
    assert "docker.io images (Karmada's) are pulled from Docker Hub directly" in note
    assert "mirrors.pull_through_cache.docker_hub_secret" in note
    assert notes(parse_config(CACHED)) == []


def test_your_own_mirror_wins_over_the_cache(mirrored, mirrored_config):
    assert not [name for name in mirrored.templates if name.startswith("KarmadaImageCache")]
    assert "BatchImportUpstreamImage" not in json.dumps(mirrored.templates)
    assert notes(mirrored_config) == []
    assert "123456789012.dkr.ecr.us-east-1.amazonaws.com/docker.io/karmada/karmada-webhook:v1.18.2" in _images(
        mirrored.manifests["parent"])


def test_switched_off_every_image_is_upstream():
    config = parse_config({**CACHED, "mirrors": {"pull_through_cache": {"enabled": False}}})
    assert cache_sites(config) == [] and notes(config) == []
    assert not [s for s in stack_names.all_stacks(config) if s.startswith("KarmadaImageCache")]
    for member in [None, *config.members]:
        mirror = cluster_mirror(config, member)
        assert mirror.image("registry.k8s.io/etcd:3.6.6-0") == "registry.k8s.io/etcd:3.6.6-0"
        assert mirror.image("docker.io/karmada/karmada-agent:v1.18.2") == "docker.io/karmada/karmada-agent:v1.18.2"


# --- the mapping -------------------------------------------------------------------------------------------------

CACHE = "111122223333.dkr.ecr.eu-west-1.amazonaws.com"
DIGEST = "sha256:" + "a" * 64


def test_the_cache_keeps_the_digest_of_the_upstream_reference():
    mirror = Mirror(cache=CACHE, cached_hosts=frozenset({"registry.k8s.io", "docker.io"}),
                    digests={"registry.k8s.io/etcd:3.6.6-0": DIGEST, "quay.io/jetstack/x:v1": DIGEST})
    assert mirror.image("registry.k8s.io/etcd:3.6.6-0") == f"{CACHE}/registry.k8s.io/etcd:3.6.6-0@{DIGEST}"
    assert mirror.image("nginx:1") == f"{CACHE}/docker.io/library/nginx:1"
    # A host the cache does not serve stays upstream, digest and all.
    assert mirror.image("quay.io/jetstack/x:v1") == f"quay.io/jetstack/x:v1@{DIGEST}"
    assert mirror.image("602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/a:v1") == \
        "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/a:v1"
    assert mirror.digests_by_location() == {f"{CACHE}/registry.k8s.io/etcd:3.6.6-0": DIGEST,
                                           "quay.io/jetstack/x:v1": DIGEST}
    # A registry (for the charts' per-component images) maps like an image; a cached reference stays.
    assert mirror.image("registry.k8s.io") == f"{CACHE}/registry.k8s.io"
    assert mirror.image(f"{CACHE}/registry.k8s.io/etcd:3.6.6-0") == f"{CACHE}/registry.k8s.io/etcd:3.6.6-0"
    assert Mirror(images="mirror.example.com", cache=CACHE, cached_hosts=frozenset({"registry.k8s.io"})).image(
        "registry.k8s.io/etcd:3.6.6-0") == "mirror.example.com/registry.k8s.io/etcd:3.6.6-0"


# --- the config --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cache", "mirrors", "line"), [
    ({"docker_hub_secret": "docker-hub"}, {},
     "config: mirrors.pull_through_cache.docker_hub_secret: 'docker-hub' is not a secret name ECR accepts "
     "for a pull-through cache; name the secret with the prefix ecr-pullthroughcache/, e.g. "
     "ecr-pullthroughcache/docker-hub (a name, not an ARN)"),
    ({"docker_hub_secret": "arn:aws:secretsmanager:us-east-1:111122223333:secret:ecr-pullthroughcache/x-AbCdEf"}, {},
     "a name, not an ARN"),
    ({"enabled": False, "docker_hub_secret": SECRET}, {},
     "config: mirrors.pull_through_cache.docker_hub_secret: has no effect with enabled: false; remove it, or set "
     "enabled: true"),
    ({"keep_images": 5}, {"images": "123456789012.dkr.ecr.{region}.amazonaws.com"},
     "config: mirrors.pull_through_cache.keep_images: has no effect with mirrors.images set (your mirror wins over "
     "the cache); remove it, or remove mirrors.images"),
    ({"keep_images": 0}, {}, "mirrors.pull_through_cache.keep_images: "),
])
def test_config_errors_name_the_field_and_the_fix(cache, mirrors, line):
    with pytest.raises(ConfigError) as raised:
        parse_config({"mirrors": {**mirrors, "pull_through_cache": cache}})
    assert len(raised.value.lines) == 1
    assert line in raised.value.lines[0], raised.value.lines[0]


def test_the_defaults_cache_the_three_public_registries():
    config = parse_config({})
    cache = config.mirrors.pull_through_cache
    assert (cache.enabled, cache.docker_hub_secret, cache.keep_images) == (True, None, 10)
    # Off with the cache itself switched off, or written out with its defaults next to a mirror: both load.
    parse_config({"mirrors": {"images": "m.example.com", "pull_through_cache": {"enabled": True, "keep_images": 10}}})


@pytest.mark.parametrize(("image", "pinned"), [
    ("${Token[AWS.AccountId.8]}.dkr.ecr.us-east-1.amazonaws.com/registry.k8s.io/etcd:3.6.6-0", True),
    ("${Token[AWS.AccountId.8]}.dkr.ecr.us-east-1.amazonaws.com/registry.k8s.io/etcd@" + DIGEST, True),
    ("${Token[AWS.AccountId.8]}.dkr.ecr.us-east-1.amazonaws.com/registry.k8s.io/etcd:latest", False),
    ("${Token[AWS.AccountId.8]}.dkr.ecr.us-east-1.amazonaws.com/registry.k8s.io/etcd", False),
    ("${Oops}.dkr.ecr.us-east-1.amazonaws.com/registry.k8s.io/etcd:3.6.6-0", False),
])
def test_a_cache_registry_with_a_deploy_time_account_is_still_pinned_by_tag(image, pinned):
    from charts.images import is_pinned

    assert is_pinned(image) is pinned
