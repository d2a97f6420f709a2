"""Pin every image of a config by digest: ask each registry what its tag points to (online), write `images.digests`.

Each image of the config (`eks_karmada.mirrors.artifacts`, the list `python -m eks_karmada.mirrors` prints) is looked
up with the OCI distribution API: `HEAD /v2/<name>/manifests/<tag>`, accepting an OCI image index or a Docker manifest
list first (so a multi-platform image pins its index, which every platform's node can pull), and the digest read from
`Docker-Content-Digest` (or, where a registry sends none, the sha256 of the manifest itself). A registry that answers
401 with `WWW-Authenticate: Bearer realm=...,service=...,scope=...` (Docker Hub, ghcr.io, quay.io, registry.k8s.io,
public.ecr.aws) gets an anonymous pull token from that realm first; a private ECR registry (`<account>.dkr.ecr.
<region>.amazonaws.com`, e.g. aws-iam-authenticator's) is read with an ECR authorization token of your AWS credentials
(`ecr:GetAuthorizationToken` in its region).

    .venv/bin/python -m eks_karmada.image_digests config/default.yaml            # print the images.digests block
    .venv/bin/python -m eks_karmada.image_digests config/default.yaml --write    # write it into the config
    .venv/bin/python -m eks_karmada.image_digests config/default.yaml --check    # offline: is every image pinned?

A digest the config pins already is kept when its tag now points elsewhere (a warning says so; `--update` takes the
new one after you have checked why the tag moved). Exit codes: 0 done; 1 an error stopped it (one line per image,
nothing written); 2 bad usage; 3 it ran and found problems (`--check`: an image without digest or a digest of no
image; otherwise: a tag that moved).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

import yaml

from eks_karmada.config import DEFAULT_CONFIG_PATH, DIGEST_COMMAND, IMAGE_DIGEST, AppConfig, ConfigError, load_config

# Index types first: a multi-platform image is pinned by its index, not by one platform's manifest.
ACCEPT = ", ".join([
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
])
_REFERENCE = re.compile(r"(?P<host>[^/]+)/(?P<name>[a-z0-9._/-]+):(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})")
_PRIVATE_ECR = re.compile(r"\d{12}\.dkr\.ecr(-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?")
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')
# Docker Hub's name is docker.io; its registry API answers at this host.
_API_HOSTS = {"docker.io": "registry-1.docker.io"}
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_PROBLEMS = 0, 1, 2, 3


class DigestError(Exception):
    """One image could not be resolved: one line naming the image, the registry host and what to do."""


@dataclass(frozen=True)
class Reference:
    """An upstream image reference `<host>/<name>:<tag>` split into what the registry API needs."""

    host: str
    name: str
    tag: str

    @classmethod
    def parse(cls, reference: str) -> Reference:
        match = _REFERENCE.fullmatch(reference)
        if not match:
            raise DigestError(f"{reference}: not an image reference <host>/<path>:<tag>; give the tagged reference")
        return cls(match["host"], match["name"], match["tag"])

    def __str__(self) -> str:
        return f"{self.host}/{self.name}:{self.tag}"


def ecr_authorization(region: str, profile: str | None = None) -> str:
    """The `Authorization` header for private ECR in `region`: Basic, from ecr:GetAuthorizationToken."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client = boto3.Session(profile_name=profile).client("ecr", region_name=region)
        data = client.get_authorization_token()["authorizationData"][0]
    except ClientError as err:
        raise DigestError(f"ecr:GetAuthorizationToken in {region} failed "
                          f"({err.response.get('Error', {}).get('Code', 'error')}); use credentials that may call it"
                          ) from None
    except BotoCoreError as err:  # no credentials, no profile, no route to the ECR API
        raise DigestError(f"private ECR needs AWS credentials for ecr:GetAuthorizationToken in {region} ({err}); "
                          "set AWS_PROFILE or pass --profile") from None
    return f"Basic {data['authorizationToken']}"  # already base64 of "AWS:<password>"


@dataclass
class Resolver:
    """Asks registries which digest a tag points to (anonymous token flow; ECR with AWS credentials)."""

    endpoints: Mapping[str, str] = field(default_factory=dict)
    """Host -> base URL to ask instead of https://<host> (e.g. a proxy of that registry, or a local test registry)."""
    ecr_auth: Callable[[str], str] = ecr_authorization
    """Region -> the Authorization header for private ECR there."""
    timeout: float = 30.0
    _ecr_headers: dict[str, str] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def base_url(self, host: str) -> str:
        """Where the registry API of `host` answers."""
        return self.endpoints.get(host, f"https://{_API_HOSTS.get(host, host)}").rstrip("/")

    def digest(self, reference: str) -> str:
        """The digest `reference`'s tag points to now; DigestError (one line) when the registry does not say."""
        ref = Reference.parse(reference)
        url = f"{self.base_url(ref.host)}/v2/{ref.name}/manifests/{ref.tag}"
        headers = {"Accept": ACCEPT}
        ecr = _PRIVATE_ECR.fullmatch(ref.host)
        try:
            if ecr:
                headers["Authorization"] = self._ecr_header(ecr["region"])
            status, answer, body = self._send("HEAD", url, headers)
            if status == 401 and "Authorization" not in headers:
                headers["Authorization"] = self._anonymous_token(ref, answer.get("WWW-Authenticate", ""))
                status, answer, body = self._send("HEAD", url, headers)
            if status == 200 and not answer.get("Docker-Content-Digest"):
                # The digest is that of the manifest's bytes as served: fetch them.
                status, answer, body = self._send("GET", url, headers)
                if status == 200:
                    return "sha256:" + hashlib.sha256(body).hexdigest()
        except DigestError as err:
            raise DigestError(f"{reference}: {err}") from None
        if status == 200:
            digest = answer["Docker-Content-Digest"]
            if not IMAGE_DIGEST.fullmatch(digest):
                raise DigestError(f"{reference}: {ref.host} sent the digest {digest!r}, not sha256:<64 hex>; "
                                  "pin this image by hand")
            return digest
        raise DigestError(f"{reference}: {_refusal(ref, status)}")

    def _ecr_header(self, region: str) -> str:
        with self._lock:
            if region not in self._ecr_headers:
                self._ecr_headers[region] = self.ecr_auth(region)
            return self._ecr_headers[region]

    def _anonymous_token(self, ref: Reference, challenge: str) -> str:
        """A Bearer header from the realm the 401 named (no credentials: public images only)."""
        scheme, _, params = challenge.partition(" ")
        if scheme.lower() != "bearer":
            raise DigestError(f"{ref.host} wants {scheme or 'credentials'} authentication, and only public images "
                              "(anonymous Bearer tokens) and private ECR are read here; pin this image by hand")
        fields = dict(_CHALLENGE_PARAM.findall(params))
        realm = fields.get("realm")
        if not realm:
            raise DigestError(f"{ref.host} answered 401 without a token realm; pin this image by hand")
        query = {"scope": fields.get("scope", f"repository:{ref.name}:pull")}
        if "service" in fields:
            query["service"] = fields["service"]
        joiner = "&" if "?" in realm else "?"
        status, _, body = self._send("GET", f"{realm}{joiner}{urllib.parse.urlencode(query)}", {})
        token = None
        try:
            answer = json.loads(body) if status == 200 else {}
            token = answer.get("token") or answer.get("access_token")  # Docker's name, and OAuth's
        except (ValueError, AttributeError):
            pass
        if not token:
            host = urllib.parse.urlsplit(realm).netloc
            raise DigestError(f"{host} gave no pull token (HTTP {status}) for {ref.name}; the image may be private, "
                              "or the name wrong")
        return f"Bearer {token}"

    def _send(self, method: str, url: str, headers: Mapping[str, str]) -> tuple[int, Message, bytes]:
        """Status, headers and body of one request; an unreachable host is a DigestError."""
        request = urllib.request.Request(url, method=method, headers=dict(headers))
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.headers, b""
        except (urllib.error.URLError, OSError) as err:
            reason = getattr(err, "reason", err)
            host = urllib.parse.urlsplit(url).netloc
            raise DigestError(f"cannot reach {host} ({reason}); check the network and proxy (HTTPS_PROXY), or ask "
                              "another endpoint with --endpoint HOST=URL") from None


class _KeepMethod(urllib.request.HTTPRedirectHandler):
    """Follow a redirect with the same method: registry.k8s.io sends HEADs on to its regional backends.

    An anonymous Bearer token goes along (the backend named the realm it came from); AWS credentials (Basic, private
    ECR) never leave their host.
    """

    def redirect_request(self, req: urllib.request.Request, fp, code, msg, headers, newurl):  # noqa: ANN001
        redirected = super().redirect_request(req, fp, code, msg, headers, newurl)
        if redirected is not None:
            redirected.method = req.get_method()
            auth = redirected.get_header("Authorization", "")
            if auth.startswith("Basic ") and urllib.parse.urlsplit(newurl).netloc != urllib.parse.urlsplit(
                    req.full_url).netloc:
                redirected.remove_header("Authorization")
        return redirected


_OPENER = urllib.request.build_opener(_KeepMethod)


def _refusal(ref: Reference, status: int) -> str:
    if status == 404:
        return f"{ref.host} has no manifest {ref.name}:{ref.tag} (HTTP 404); check the tag and the repository"
    if status in (401, 403):
        return (f"{ref.host} refused to read {ref.name} (HTTP {status}); the image is private or your credentials "
                "may not pull it")
    if status == 429:
        return f"{ref.host} limits the rate of requests (HTTP 429); try again later"
    return f"{ref.host} answered HTTP {status} for {ref.name}:{ref.tag}; try again later"


def config_images(config: AppConfig) -> list[str]:
    """Every image of the config, as its tagged upstream reference (the keys of `images.digests`), sorted."""
    from eks_karmada.bundled_node import use_bundled_node
    from eks_karmada.mirrors import artifacts

    use_bundled_node()  # jsii (cdk8s, aws-cdk-lib) must start the venv's supported Node
    return sorted({artifact.upstream for artifact in artifacts(config) if artifact.kind == "image"})


def resolve_all(resolver: Resolver, references: Iterable[str],
                workers: int = 8) -> tuple[dict[str, str], list[str]]:
    """Reference -> digest for each that resolved, and one error line for each that did not."""
    def one(reference: str) -> tuple[str, str | None, str | None]:
        try:
            return reference, resolver.digest(reference), None
        except DigestError as err:
            return reference, None, str(err)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(one, references))
    return ({ref: digest for ref, digest, _ in results if digest},
            [error for _, _, error in results if error])


def digests_block(digests: Mapping[str, str]) -> str:
    """The `images.digests` YAML block to paste into a config."""
    return yaml.safe_dump({"images": {"digests": dict(sorted(digests.items()))}}, sort_keys=False, width=4096)


def write_digests(path: Path, digests: Mapping[str, str]) -> None:
    """Set `images.digests` of the config file to `digests`, keeping the file's comments and order."""
    from ruamel.yaml.comments import CommentedMap

    from eks_karmada.cli.members import ConfigFile

    config = ConfigFile.load(path)
    images = config.document.get("images")
    if not isinstance(images, dict):
        images = config.document["images"] = CommentedMap()
    images["digests"] = CommentedMap(sorted(digests.items()))
    config.validated()
    config.write()


def unpinned(config: AppConfig, images: list[str]) -> tuple[list[str], list[str]]:
    """The images of the config without a digest, and the digests of no image of the config."""
    pinned = config.images.digests
    missing = [image for image in images if image not in pinned and "@" not in image]
    return missing, [reference for reference in pinned if reference not in images]


def synth_warnings(config: AppConfig) -> list[str]:
    """What synth warns about a partly pinned config (e.g. after a version change); nothing when none is pinned."""
    if not config.images.digests:
        return []
    missing, unused = unpinned(config, config_images(config))
    notes = []
    if missing:
        notes.append(f"images.digests: {len(missing)} images of the config have no digest and are pulled by tag "
                     f"({', '.join(missing)}); pin them with {DIGEST_COMMAND}")
    if unused:
        notes.append(f"images.digests: no image of the config is {', '.join(unused)}; remove them ({DIGEST_COMMAND} "
                     "drops them)")
    return notes


def check(config: AppConfig, images: list[str], out: Callable[[str], None]) -> int:
    """Offline: every image pinned, and every digest of an image of the config."""
    missing, unused = unpinned(config, images)
    for image in missing:
        out(f"not pinned: {image}")
    for reference in unused:
        out(f"unused digest: {reference} (no image of the config; remove it)")
    if missing or unused:
        out("pin them (online) with: .venv/bin/python -m eks_karmada.image_digests <config> --write")
        return EXIT_PROBLEMS
    out(f"every image of the config is pinned by digest ({len(images)} images)")
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    """The command line of `python -m eks_karmada.image_digests`."""
    result = argparse.ArgumentParser(
        prog="python -m eks_karmada.image_digests",
        description="Resolve the digest of every image of a config and print (or --write) its images.digests.")
    result.add_argument("config", nargs="?", type=Path, default=DEFAULT_CONFIG_PATH,
                        help="the config file (default: config/default.yaml)")
    mode = result.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="write images.digests into the config file")
    mode.add_argument("--check", action="store_true",
                      help="offline: exit 3 if an image has no digest or a digest names no image of the config")
    result.add_argument("--update", action="store_true",
                        help="take the registry's digest where a tag moved (default: keep the pinned one)")
    result.add_argument("--endpoint", action="append", default=[], metavar="HOST=URL",
                        help="ask URL for the images of HOST, e.g. docker.io=https://mirror.example.com (repeatable)")
    result.add_argument("--profile", default=None, help="AWS profile for private ECR registries (default: the chain)")
    return result


def main(argv: list[str] | None = None, *, resolver: Resolver | None = None) -> int:
    """Resolve, print or write, or check the digests of every image of a config."""
    args = parser().parse_args(argv)
    endpoints = {}
    for given in args.endpoint:
        host, equals, url = given.partition("=")
        if not equals or not re.fullmatch(r"https?://[^\s/]+(/\S*)?", url):
            print(f"error: --endpoint {given}: write it as HOST=URL, e.g. docker.io=https://mirror.example.com",
                  file=sys.stderr)
            return EXIT_USAGE
        endpoints[host] = url
    try:
        config = load_config(args.config)
    except ConfigError as err:
        for line in err.lines:
            print(f"error: {line}", file=sys.stderr)
        return EXIT_ERROR
    images = config_images(config)
    if args.check:
        return check(config, images, print)
    # An image the config names with its digest already (e.g. karmada.etcd_backup.aws_cli_image) is pinned there.
    wanted = [image for image in images if "@" not in image]
    resolver = resolver or Resolver(endpoints=endpoints,
                                    ecr_auth=lambda region: ecr_authorization(region, args.profile))
    resolved, errors = resolve_all(resolver, wanted)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if errors:
        print(f"error: {len(errors)} of {len(wanted)} images unresolved; nothing written", file=sys.stderr)
        return EXIT_ERROR
    moved = {ref: digest for ref, digest in resolved.items()
             if config.images.digests.get(ref, digest) != digest}
    for ref, digest in moved.items():
        kept = "taking it (--update)" if args.update else "keeping the pinned one (--update takes it)"
        print(f"warning: {ref}: the tag now points to {digest}, the config pins {config.images.digests[ref]}; "
              f"{kept}", file=sys.stderr)
    pinned = config.images.digests
    digests = {ref: digest if args.update else pinned.get(ref, digest) for ref, digest in resolved.items()}
    if args.write:
        from eks_karmada.cli.errors import CliError

        try:
            write_digests(args.config, digests)
        except (CliError, ConfigError) as err:  # both worded as lines already
            for line in getattr(err, "lines", (str(err),)):
                print(f"error: {line}", file=sys.stderr)
            return EXIT_ERROR
        dropped = sorted(set(config.images.digests) - set(digests))
        note = f"; dropped those of images no longer in the config: {', '.join(dropped)}" if dropped else ""
        print(f"wrote {len(digests)} digests to {args.config} (images.digests){note}")
    else:
        sys.stdout.write(digests_block(digests))
    return EXIT_PROBLEMS if moved and not args.update else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
