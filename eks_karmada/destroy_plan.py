"""What `make destroy` deletes, read from the config: the stacks, and the EKS clusters that go with them.

Shown before `make destroy` asks for confirmation (eks_karmada/make_guard.py), so nobody deletes a
fleet by typing the wrong CONFIG or by reflex.
"""

from __future__ import annotations

from dataclasses import dataclass

from eks_karmada import stack_names
from eks_karmada.config import AppConfig, MemberKind


@dataclass(frozen=True, kw_only=True)
class Cluster:
    """An EKS cluster named by the config."""

    name: str
    """The EKS cluster name."""
    region: str
    """Its AWS region."""


@dataclass(frozen=True, kw_only=True)
class DestroyPlan:
    """The stacks `cdk destroy --all` deletes for one config, and what that means for its clusters."""

    config_path: str
    """The config file the plan was read from (shown, so a wrong CONFIG is noticed)."""
    stacks: list[str]
    """Every stack of the config, in deletion order."""
    deleted_clusters: list[Cluster]
    """The parent and every `new` member: deleted with their VPCs and nodes."""
    kept_clusters: list[Cluster]
    """`existing` members: unregistered, the objects this app applied there removed, the cluster kept."""
    external_members: list[str]
    """`external` members: unregistered only (nothing of theirs is in AWS)."""

    @classmethod
    def of(cls, config: AppConfig, config_path: str) -> DestroyPlan:
        parent = Cluster(name=config.parent.cluster_name, region=config.parent.region)
        new = [Cluster(name=m.eks_cluster_name, region=m.region or "") for m in config.members
               if m.kind is MemberKind.new]
        existing = [Cluster(name=m.eks_cluster_name, region=m.region or "") for m in config.members
                    if m.kind is MemberKind.existing]
        return cls(config_path=config_path, stacks=stack_names.all_stacks(config), deleted_clusters=[parent, *new],
                   kept_clusters=existing,
                   external_members=[m.name for m in config.members if m.kind is MemberKind.external])

    def summary(self) -> str:
        """One line: how many stacks, and which clusters are deleted."""
        clusters = ", ".join(c.name for c in self.deleted_clusters)
        count = len(self.deleted_clusters)
        return (f"{len(self.stacks)} stacks and {count} EKS cluster{'s' if count != 1 else ''} ({clusters}) "
                f"of {self.config_path}")

    def lines(self, account: str | None = None) -> list[str]:
        """The plan as the confirmation shows it, one fact per line."""
        where = f" in account {account}" if account else ""
        out = [f"make destroy deletes, for {self.config_path}{where}:",
               f"  stacks ({len(self.stacks)}, in this order): {', '.join(self.stacks)}",
               "  EKS clusters deleted with their VPCs, nodes and volumes: "
               + ", ".join(f"{c.name} ({c.region})" for c in self.deleted_clusters)]
        if self.kept_clusters:
            out.append("  existing clusters kept (unregistered; what this app applied there is removed): "
                       + ", ".join(f"{c.name} ({c.region})" for c in self.kept_clusters))
        if self.external_members:
            out.append("  external members unregistered: "
                       + ", ".join(self.external_members))
        caches = ("the repositories of the image caches and their KMS key, "
                  if any(s.startswith(stack_names.IMAGE_CACHE_PREFIX) for s in self.stacks) else "")
        out.append("  kept on purpose: the etcd backup buckets and their KMS key, the Karmada API audit log group "
                   f"and its KMS key, {caches}the CDK bootstrap stacks (docs/uninstall.md)")
        return out
