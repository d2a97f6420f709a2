"""What each rendered manifest file does not hold as objects, read from the synthesized templates.

cdk.out/manifests/<target>.yaml lists the objects this app applies object by object (ChartManifest,
KarmadaManifest). Other things reach the same API servers by other means: Helm releases, EKS add-ons,
Karmada's CRDs from the release archive, and what member registration creates at deploy time. Each file's
header names them, with the data the templates hold at synth: the Helm values, the add-on versions and
settings, the CRD archive, and the Cluster object a Push registration creates (credentials never appear).

Pure functions of the templates (stack name -> template JSON); no CDK import.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import yaml

from functions.member_registration import objects

PARENT_STACK = "KarmadaParent"
MEMBER_STACK_PREFIX = "KarmadaMember-"
REGISTRATION_STACK_PREFIX = "KarmadaRegistration-"
HELM_CHART_TYPE = "Custom::AWSCDK-EKS-HelmChart"
ADDON_TYPE = "AWS::EKS::Addon"
KARMADA_MANIFEST_TYPE = "Custom::KarmadaManifest"
REGISTRATION_TYPE = "Custom::KarmadaMemberRegistration"


def target_of_stack(stack_name: str) -> str | None:
    """The manifest target a stack's Helm releases and add-ons go to (the cluster the stack builds)."""
    if stack_name == PARENT_STACK:
        return "parent"
    if stack_name.startswith(MEMBER_STACK_PREFIX):
        return "member-" + stack_name.removeprefix(MEMBER_STACK_PREFIX)
    return None


def notes_by_target(templates: Mapping[str, Mapping[str, Any]]) -> dict[str, list[str]]:
    """Target -> notes (each a block of lines, the first starting with "- "), in template order."""
    notes: dict[str, list[str]] = {}
    for stack_name, template in sorted(templates.items()):
        target = target_of_stack(stack_name)
        for resource in (template.get("Resources") or {}).values():
            kind, props = resource.get("Type"), resource.get("Properties") or {}
            if kind == HELM_CHART_TYPE and target:
                notes.setdefault(target, []).append(_helm_note(props))
            elif kind == ADDON_TYPE and target:
                notes.setdefault(target, []).append(_addon_note(props))
            elif kind == KARMADA_MANIFEST_TYPE and "Source" in props:
                notes.setdefault("karmada", []).append(_archive_note(props))
            elif kind == REGISTRATION_TYPE:
                member = str(props.get("MemberName"))
                notes.setdefault("karmada", []).append(_registration_note(props))
                if props.get("SyncMode") == "Pull":
                    notes.setdefault(f"member-{member}", []).append(
                        f"- Secret karmada-system/{objects.AGENT_KUBECONFIG_SECRET}, written by the registration "
                        f"(stack {stack_name}): the karmada-agent's kubeconfig with its client key, never rendered")
    return notes


def header(target: str, notes: list[str]) -> str:
    """The comment block that starts a target's file."""
    lines = [
        f"# cdk.out/manifests/{target}.yaml: the Kubernetes objects this app applies, object by object, to "
        f"{_api_of(target)}.",
        "# Every synth writes the folder afresh. Deploy-time values appear as ${Name}; secrets never appear.",
    ]
    if notes:
        lines.append("# Also applied to it, but not as objects below (from the synthesized templates):")
        lines += [f"# {line}".rstrip() for note in notes for line in note.splitlines()]
    return "\n".join(lines) + "\n"


def _api_of(target: str) -> str:
    if target == "parent":
        return "the parent EKS cluster"
    if target == "karmada":
        return "the Karmada API server"
    return f"the member cluster {target.removeprefix('member-')}"


def _helm_note(props: Mapping[str, Any]) -> str:
    values = json.loads(_text(props.get("Values", "{}")) or "{}")
    note = (f"- Helm release {props.get('Release')}: chart {props.get('Chart')} {props.get('Version')} from "
            f"{_text(props.get('Repository', ''))} into namespace {props.get('Namespace')}; its objects are the "
            "chart's, rendered by Helm at deploy time (helm template with these values):")
    return note + "\n" + _indented_yaml(values)


def _addon_note(props: Mapping[str, Any]) -> str:
    note = f"- EKS add-on {props.get('AddonName')} {props.get('AddonVersion')}, installed and managed by EKS"
    configuration = props.get("ConfigurationValues")
    if configuration:
        note += " with the configuration:\n" + _indented_yaml(json.loads(_text(configuration)))
    return note


def _archive_note(props: Mapping[str, Any]) -> str:
    source = json.loads(_text(props["Source"]))
    digest = f", checked against sha256 {source['sha256']}" if source.get("sha256") else ""
    paths = ", ".join(source.get("paths", []))
    note = (f"- the CustomResourceDefinitions under {paths} of {source.get('url')}{digest}, applied by server-side "
            "apply (KarmadaManifest); list them with: kubectl --context karmada get crd")
    files = source.get("files")
    if files:
        note += (f"; the archive must hold exactly these {len(files)} files, each with this sha256 "
                 "(anything else fails the deploy):\n" + _indented_yaml(files))
    return note


def _registration_note(props: Mapping[str, Any]) -> str:
    member = str(props.get("MemberName"))
    if props.get("SyncMode") != "Push":
        return (f"- member {member} (Pull): the registration creates the Cluster {member} (syncMode Pull, no "
                f"secretRef) with the labels {_text(props.get('Labels', '{}'))} and applies the agent's RBAC (user "
                f"{objects.agent_user(member)}: its own Cluster's status, no Secrets); its karmada-agent reports "
                "the status")
    cluster = objects.push_cluster(
        member,
        api_endpoint=f"${{Member.{member}.Endpoint}}",
        cluster_id=f"${{Member.{member}.KubeSystemUid}}",
        provider=str(props.get("Provider", "")),
        region=str(props.get("Region", "")),
        zones=json.loads(_text(props.get("Zones", "[]"))),
        labels=json.loads(_text(props.get("Labels", "{}"))),
    )
    return (f"- member {member} (Push), created by its registration: the Secrets {objects.CLUSTER_NAMESPACE}/{member} "
            f"and {objects.CLUSTER_NAMESPACE}/{objects.impersonator_secret(member)} (the member's tokens, never "
            "rendered) and this Cluster:\n" + _indented_yaml(cluster))


def _text(value: Any) -> str:
    """A template string, with intrinsic functions shown as ${...} placeholders."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(_text(part) for part in parts)
    if isinstance(value, Mapping) and "Ref" in value:
        return f"${{{value['Ref']}}}"
    if isinstance(value, Mapping) and "Fn::GetAtt" in value:
        return "${" + ".".join(value["Fn::GetAtt"]) + "}"
    return "${DeployTimeValue}"


def _indented_yaml(value: Any) -> str:
    text = yaml.safe_dump(value, sort_keys=False, default_flow_style=False).rstrip("\n")
    return "\n".join(f"    {line}" for line in text.splitlines())
