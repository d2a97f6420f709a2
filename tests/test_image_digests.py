"""Pinning images by digest: the resolver against a local OCI registry, the command end to end, the config rules."""

from __future__ import annotations

import socket

import boto3
import pytest
import yaml
from moto import mock_aws

from eks_karmada.config import DEFAULT_CONFIG_PATH, load_config, parse_config
from eks_karmada.image_digests import Resolver, digests_block, main, resolve_all, synth_warnings
from tests.fakes.oci_registry import FakeRegistry, serve

AUTHENTICATOR = "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-iam-authenticator:v0.7.10"
ECR_HOST = AUTHENTICATOR.split("/")[0]
PUBLIC_HOSTS = ("docker.io", "registry.k8s.io", "quay.io", "public.ecr.aws")


@pytest.fixture
def public():
    with serve(FakeRegistry()) as registry:
        yield registry


@pytest.fixture
def ecr():
    with serve(FakeRegistry(mode="basic", basic_auth="Basic QVdTOnNlY3JldA==")) as registry:
        yield registry


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the resolver -----------------------------------------------------------------------------------------
def test_a_public_image_is_pinned_by_its_index_after_the_anonymous_token_flow(public):
    resolver = Resolver(endpoints={"quay.io": public.url})
    digest = resolver.digest("quay.io/jetstack/cert-manager-controller:v1.21.2")
    assert digest == public.digest("jetstack/cert-manager-controller", "v1.21.2")
    assert digest != public.digest("jetstack/cert-manager-controller", "v1.21.2", index=False)
    # 401 without a token, the token for exactly this repository's pull scope, then the manifest with it.
    (first, token, second) = public.requests
    assert first[:2] == ("HEAD", "/v2/jetstack/cert-manager-controller/manifests/v1.21.2") and first[2] == ""
    assert token[1].startswith("/token?") and "scope=repository%3Ajetstack%2Fcert-manager-controller%3Apull" in token[1]
    assert second[2] == f"Bearer {public.token('repository:jetstack/cert-manager-controller:pull')}"


def test_without_a_digest_header_the_manifest_bytes_are_hashed(public):
    public.send_digest_header = False
    digest = Resolver(endpoints={"registry.k8s.io": public.url}).digest("registry.k8s.io/etcd:3.6.6-0")
    assert digest == public.digest("etcd", "3.6.6-0")
    assert [r[0] for r in public.requests] == ["HEAD", "GET", "HEAD", "GET"]


def test_a_redirect_is_followed_with_the_same_method(public):
    public.redirect = True
    digest = Resolver(endpoints={"registry.k8s.io": public.url}).digest("registry.k8s.io/etcd:3.6.6-0")
    assert digest == public.digest("etcd", "3.6.6-0")
    manifests = [(method, path) for method, path, _ in public.requests if "/manifests/" in path]
    # 307, 401 from where it points (no token yet), then with the token: 307 and the manifest. HEADs all.
    assert manifests == [("HEAD", "/v2/etcd/manifests/3.6.6-0"), ("HEAD", "/v2/etcd/manifests/3.6.6-0?redirected")] * 2


def test_private_ecr_is_read_with_the_ecr_token_of_its_region(ecr):
    asked: list[str] = []

    def auth(region: str) -> str:
        asked.append(region)
        return ecr.basic_auth

    resolver = Resolver(endpoints={ECR_HOST: ecr.url}, ecr_auth=auth)
    assert resolver.digest(AUTHENTICATOR) == ecr.digest("amazon/aws-iam-authenticator", "v0.7.10")
    resolver.digest(AUTHENTICATOR.replace("v0.7.10", "v0.7.11"))
    assert asked == ["us-west-2"]  # one token per region


@pytest.mark.parametrize("auth, message", [
    ("Basic wrong", f"{AUTHENTICATOR}: {ECR_HOST} refused to read amazon/aws-iam-authenticator (HTTP 401); "
                    "the image is private or your credentials may not pull it"),
])
def test_ecr_refusing_the_token_is_one_line_naming_image_and_host(ecr, auth, message):
    resolved, errors = resolve_all(Resolver(endpoints={ECR_HOST: ecr.url}, ecr_auth=lambda _: auth), [AUTHENTICATOR])
    assert (resolved, errors) == ({}, [message])


def test_private_ecr_without_aws_credentials_says_how_to_give_them(ecr, monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    _, (error,) = resolve_all(Resolver(endpoints={ECR_HOST: ecr.url}), [AUTHENTICATOR])
    assert error.startswith(f"{AUTHENTICATOR}: private ECR needs AWS credentials for ecr:GetAuthorizationToken in "
                            "us-west-2 (")
    assert error.endswith("; set AWS_PROFILE or pass --profile") and "\n" not in error


def test_an_unknown_tag_and_an_unreachable_registry_are_one_line_each(public):
    port = _closed_port()
    resolver = Resolver(endpoints={"quay.io": public.url, "registry.k8s.io": f"http://127.0.0.1:{port}"})
    resolved, errors = resolve_all(resolver, ["quay.io/jetstack/x:missing", "registry.k8s.io/etcd:3.6.6-0"])
    assert resolved == {}
    assert errors[0] == ("quay.io/jetstack/x:missing: quay.io has no manifest jetstack/x:missing (HTTP 404); "
                         "check the tag and the repository")
    assert errors[1].startswith(f"registry.k8s.io/etcd:3.6.6-0: cannot reach 127.0.0.1:{port} (")
    assert errors[1].endswith("check the network and proxy (HTTPS_PROXY), or ask another endpoint with "
                              "--endpoint HOST=URL")


def test_docker_hub_is_asked_at_its_registry_host():
    assert Resolver().base_url("docker.io") == "https://registry-1.docker.io"
    assert Resolver().base_url("quay.io") == "https://quay.io"
    assert Resolver(endpoints={"docker.io": "http://127.0.0.1:5000/"}).base_url("docker.io") == "http://127.0.0.1:5000"


def test_the_printed_block_loads_as_the_configs_digests():
    digests = {"docker.io/karmada/karmada-agent:v1.18.2": "sha256:" + "a" * 64,
               "registry.k8s.io/etcd:3.6.6-0": "sha256:" + "b" * 64}
    data = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text()) | yaml.safe_load(digests_block(digests))
    assert parse_config(data).images.digests == digests


# --- the command, end to end ------------------------------------------------------------------------------
@pytest.fixture
def registries(public, ecr):
    """Every upstream host of the default config served locally: public hosts by `public`, ECR by `ecr`."""
    with mock_aws():
        token = boto3.client("ecr", region_name="us-west-2").get_authorization_token()
        ecr.basic_auth = f"Basic {token['authorizationData'][0]['authorizationToken']}"
        flags = [f"--endpoint={host}={public.url}" for host in PUBLIC_HOSTS] + [f"--endpoint={ECR_HOST}={ecr.url}"]
        yield public, ecr, flags


def _expected(public: FakeRegistry, ecr: FakeRegistry, images: list[str]) -> dict[str, str]:
    result = {}
    for image in images:
        registry = ecr if image.startswith(ECR_HOST) else public
        name, tag = image.split("/", 1)[1].rsplit(":", 1)
        result[image] = registry.digest(name, tag)
    return result


def test_every_image_of_the_config_is_resolved_printed_written_and_checked(registries, tmp_path, capsys):
    public, ecr, flags = registries
    config = tmp_path / "c.yaml"
    config.write_text(DEFAULT_CONFIG_PATH.read_text())

    assert main([str(config), "--check"]) == 3
    out = capsys.readouterr().out
    assert "not pinned: registry.k8s.io/etcd:3.6.6-0" in out and f"not pinned: {AUTHENTICATOR}" in out

    assert main([str(config), *flags]) == 0
    printed = yaml.safe_load(capsys.readouterr().out)["images"]["digests"]
    images = sorted(printed)
    assert len(images) == 18 and "docker.io/karmada/karmada-controller-manager:v1.18.2" in images
    assert printed == _expected(public, ecr, images)

    assert main([str(config), "--write", *flags]) == 0
    assert capsys.readouterr().out == f"wrote 18 digests to {config} (images.digests)\n"
    text = config.read_text()
    assert text.startswith(DEFAULT_CONFIG_PATH.read_text().splitlines()[0])  # comments kept
    assert load_config(config).images.digests == printed
    assert main([str(config), "--check"]) == 0
    assert capsys.readouterr().out == "every image of the config is pinned by digest (18 images)\n"


def test_a_moved_tag_keeps_the_pinned_digest_unless_updated(registries, tmp_path, capsys):
    public, ecr, flags = registries
    config = tmp_path / "c.yaml"
    config.write_text(DEFAULT_CONFIG_PATH.read_text())
    assert main([str(config), "--write", *flags]) == 0
    pinned = load_config(config).images.digests
    capsys.readouterr()

    public.revision = "2"  # every public tag now points to another manifest
    assert main([str(config), "--write", *flags]) == 3
    err = capsys.readouterr().err
    etcd = "registry.k8s.io/etcd:3.6.6-0"
    assert (f"warning: {etcd}: the tag now points to {public.digest('etcd', '3.6.6-0')}, the config pins "
            f"{pinned[etcd]}; keeping the pinned one (--update takes it)") in err.splitlines()
    assert load_config(config).images.digests == pinned

    assert main([str(config), "--write", "--update", *flags]) == 0
    assert load_config(config).images.digests[etcd] == public.digest("etcd", "3.6.6-0")
    assert load_config(config).images.digests[AUTHENTICATOR] == pinned[AUTHENTICATOR]  # its tag did not move


def test_a_digest_of_no_image_is_reported_and_dropped_on_write(registries, tmp_path, capsys):
    _, _, flags = registries
    old = "registry.k8s.io/etcd:3.5.0-0"
    data = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
    data["images"] = {"digests": {old: "sha256:" + "c" * 64}}
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump(data))
    assert main([str(config), "--check"]) == 3
    assert f"unused digest: {old} (no image of the config; remove it)" in capsys.readouterr().out
    assert main([str(config), "--write", *flags]) == 0
    assert capsys.readouterr().out.endswith(f"; dropped those of images no longer in the config: {old}\n")
    assert old not in load_config(config).images.digests


def test_errors_write_nothing_and_exit_1(public, tmp_path, capsys):
    config = tmp_path / "c.yaml"
    config.write_text(DEFAULT_CONFIG_PATH.read_text())
    before = config.read_text()
    # Only quay.io is reachable: every other host's images fail, each on its own line.
    flags = [f"--endpoint={host}=http://127.0.0.1:{_closed_port()}" for host in PUBLIC_HOSTS + (ECR_HOST,)]
    assert main([str(config), "--write", *flags[:-1], f"--endpoint=quay.io={public.url}"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == "error: 13 of 18 images unresolved; nothing written"
    assert all(line.startswith("error: ") for line in err)
    assert any(line.startswith("error: registry.k8s.io/etcd:3.6.6-0: cannot reach 127.0.0.1:") for line in err)
    assert config.read_text() == before


def test_a_bad_config_or_endpoint_is_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("images: {digests: {'nginx:1': 'sha256:abc'}}\n")
    assert main([str(bad)]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith(f"error: {bad}: images.digests: 'nginx:1' is not an image reference with its "
                               "registry and a tag; write it like docker.io/karmada/karmada-agent:v1.18.2")
    assert main(["--endpoint", "docker.io"]) == 2
    assert capsys.readouterr().err == ("error: --endpoint docker.io: write it as HOST=URL, e.g. "
                                       "docker.io=https://mirror.example.com\n")


# --- the config -------------------------------------------------------------------------------------------
def _with_digests(digests: dict) -> dict:
    data = yaml.safe_load(DEFAULT_CONFIG_PATH.read_text())
    data["images"] = {"digests": digests}
    return data


def test_the_default_pins_no_digest():
    assert load_config().images.digests == {}


@pytest.mark.parametrize("reference", [
    "docker.io/karmada/karmada-agent:v1.18.2",
    "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-iam-authenticator:v0.7.10",
    "localhost:5000/team/etcd:3.6.6-0",
    "localhost/etcd:v1",
])
def test_a_tagged_reference_with_its_registry_is_accepted(reference):
    assert parse_config(_with_digests({reference: "sha256:" + "0" * 64})).images.digests == {
        reference: "sha256:" + "0" * 64}


@pytest.mark.parametrize("auth, to, kept", [
    ("Bearer anonymous", "https://us-west1-docker.pkg.dev/v2/x/manifests/1", True),  # registry.k8s.io's backends
    ("Basic QVdTOnNlY3JldA==", "https://elsewhere.example.com/v2/x/manifests/1", False),  # AWS credentials stay
    ("Basic QVdTOnNlY3JldA==", "https://1.dkr.ecr.us-west-2.amazonaws.com/v2/x/manifests/1?r", True),
])
def test_a_redirect_carries_a_bearer_token_but_never_ecr_credentials_to_another_host(auth, to, kept):
    import urllib.request

    from eks_karmada.image_digests import _KeepMethod

    request = urllib.request.Request("https://1.dkr.ecr.us-west-2.amazonaws.com/v2/x/manifests/1", method="HEAD",
                                     headers={"Authorization": auth})
    redirected = _KeepMethod().redirect_request(request, None, 307, "", {}, to)
    assert redirected is not None and redirected.get_method() == "HEAD"
    assert redirected.get_header("Authorization") == (auth if kept else None)


def test_synth_warns_about_a_partly_pinned_config_only():
    assert synth_warnings(load_config()) == []  # nothing pinned: no warning (and no extra render)
    digest = "sha256:" + "a" * 64
    config = parse_config(_with_digests({"registry.k8s.io/etcd:3.6.6-0": digest,
                                         "registry.k8s.io/etcd:3.5.0-0": digest}))
    missing, unused = synth_warnings(config)
    assert missing.startswith("images.digests: 17 images of the config have no digest and are pulled by tag (")
    assert "registry.k8s.io/kube-apiserver:v1.35.2" in missing and "registry.k8s.io/etcd:3.6.6-0" not in missing
    assert missing.endswith("; pin them with .venv/bin/python -m eks_karmada.image_digests CONFIG --write")
    assert unused == ("images.digests: no image of the config is registry.k8s.io/etcd:3.5.0-0; remove them "
                      "(.venv/bin/python -m eks_karmada.image_digests CONFIG --write drops them)")
