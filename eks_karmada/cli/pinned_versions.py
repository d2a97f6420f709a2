"""Pinned versions checked against AWS before a deploy.

Checked are the EKS add-on builds for the configured Kubernetes version in
every region they install to (eks:DescribeAddonVersions), and images in a private ECR registry (ecr:DescribeImages).
What no AWS API can answer is listed as not checked.
"""

# pyright: reportMissingTypeStubs=false
# (botocore ships no type stubs: ClientError's response is read through one typed helper, _error_code.)
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from eks_karmada.config import AppConfig, MemberKind

NOT_CHECKED = "not checked"
# How many valid versions an error names (newest first).
SUGGESTIONS = 3
_PRIVATE_ECR = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?"
                          r"/(?P<repo>.+)$")


@dataclass(frozen=True)
class PinnedAddon:
    """An EKS add-on build (config field, add-on name, version) and the regions it installs to."""

    field: str
    addon: str
    version: str
    regions: tuple[str, ...]


@dataclass(frozen=True)
class VersionCheck:
    """One pinned version to check against AWS."""
    kind: str  # "add-on" or "image"
    what: str
    where: str
    version: str
    ok: bool | None  # None: not checked
    detail: str
    fix: str = ""

    @property
    def checked(self) -> bool:
        """False when no AWS API can answer (a public registry): listed, never a problem."""
        return not (self.ok is None and self.detail.startswith(NOT_CHECKED))


def pinned_addons(config: AppConfig) -> list[PinnedAddon]:
    """The add-ons the app pins.

    All three on the parent, the Pod Identity agent on every `new` member, metrics-server on the members that
    install it.
    """
    addons = config.parent.addons
    parent = (config.parent.region,)
    member_regions = tuple(sorted({m.region for m in config.members if m.kind is MemberKind.new and m.region}))
    metrics_regions = tuple(sorted({m.region for m in config.members if m.metrics_server and m.region}))
    pinned = [
        PinnedAddon("parent.addons.vpc_cni", "vpc-cni", addons.vpc_cni, parent),
        PinnedAddon("parent.addons.ebs_csi_driver", "aws-ebs-csi-driver", addons.ebs_csi_driver, parent),
        PinnedAddon("parent.addons.pod_identity_agent", "eks-pod-identity-agent", addons.pod_identity_agent,
                    tuple(sorted(set(parent + member_regions)))),
    ]
    if metrics_regions:
        pinned.append(PinnedAddon("parent.addons.metrics_server", "metrics-server", addons.metrics_server,
                                  metrics_regions))
    return pinned


def addon_versions(clients: Any, region: str, addon: str, kubernetes: str) -> list[str]:
    """The builds of `addon` for `kubernetes` in `region`, newest first, as EKS lists them."""
    eks = clients.aws("eks", region)
    versions: list[str] = []
    for page in eks.get_paginator("describe_addon_versions").paginate(addonName=addon, kubernetesVersion=kubernetes):
        addons: list[dict[str, Any]] = page.get("addons") or []
        for entry in addons:
            builds: list[dict[str, Any]] = entry.get("addonVersions") or []
            versions.extend(str(v["addonVersion"]) for v in builds)
    return versions


def check_addons(clients: Any, config: AppConfig) -> list[VersionCheck]:
    kubernetes = config.versions.kubernetes
    checks: list[VersionCheck] = []
    for pinned in pinned_addons(config):
        for region in pinned.regions:
            what = pinned.addon
            try:
                valid = addon_versions(clients, region, pinned.addon, kubernetes)
            except ClientError as err:
                code = _error_code(err)
                checks.append(VersionCheck("add-on", what, region, pinned.version, None, f"cannot check ({code})",
                                           "grant eks:DescribeAddonVersions to check it"))
                continue
            if pinned.version in valid:
                checks.append(VersionCheck("add-on", what, region, pinned.version, True, f"built for {kubernetes}"))
            else:
                newest = ", ".join(valid[:SUGGESTIONS]) or "none"
                checks.append(VersionCheck(
                    "add-on", what, region, pinned.version, False, f"not built for {kubernetes}",
                    f"set {pinned.field} to one of: {newest}"))
    return checks


def _error_code(err: ClientError) -> str:
    """The AWS error code of a failed call ("error" when the response names none)."""
    response: dict[str, Any] = err.response
    return str(response.get("Error", {}).get("Code", "error"))


def check_image(clients: Any, what: str, field: str, repository: str, tag: str) -> VersionCheck:
    """An image tag in a private ECR repository (a mirror or pull-through cache) must exist there."""
    image = f"{repository}:{tag}"
    match = _PRIVATE_ECR.match(repository)
    if not match:
        return VersionCheck("image", what, repository.split("/", 1)[0], tag, None, NOT_CHECKED)
    ecr = clients.aws("ecr", match["region"])
    try:
        ecr.describe_images(registryId=match["account"], repositoryName=match["repo"], imageIds=[{"imageTag": tag}])
    except ClientError as err:
        code = _error_code(err)
        if code in ("ImageNotFoundException", "RepositoryNotFoundException"):
            return VersionCheck("image", what, match["region"], tag, False, "tag not found" if code.startswith("Image")
                                else "no such repository", f"push {image} or correct {field}")
        return VersionCheck("image", what, match["region"], tag, None, f"cannot check ({code})",
                            f"grant ecr:DescribeImages on {repository} to check it")
    return VersionCheck("image", what, match["region"], tag, True, "image found")


def check_pinned_versions(clients: Any, config: AppConfig) -> list[VersionCheck]:
    addons = config.parent.addons
    return [
        *check_addons(clients, config),
        check_image(clients, "aws-load-balancer-controller", "parent.addons.load_balancer_controller_repository",
                    addons.load_balancer_controller_repository, addons.load_balancer_controller),
    ]
