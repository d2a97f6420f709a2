"""Enumerations of the policy.karmada.io/v1alpha1 API (Karmada v1.18.2), with the exact wire values.

Every builder field typed ``SomeEnum | str`` accepts either the enum member or its plain string value;
anything else is rejected with the list of valid values.
"""

from __future__ import annotations

from enum import StrEnum


class ReplicaSchedulingType(StrEnum):
    """How replicas reach member clusters (placement.replicaScheduling.replicaSchedulingType)."""

    DUPLICATED = "Duplicated"  # every selected cluster runs the full replica count
    DIVIDED = "Divided"  # the replica count is split across the selected clusters


class ReplicaDivisionPreference(StrEnum):
    """How Divided replicas are split (placement.replicaScheduling.replicaDivisionPreference)."""

    AGGREGATED = "Aggregated"  # as few clusters as possible, within their free capacity
    WEIGHTED = "Weighted"  # by weightPreference (static list or dynamic factor)


class DynamicWeightFactor(StrEnum):
    """Factor for dynamic weights (weightPreference.dynamicWeight)."""

    AVAILABLE_REPLICAS = "AvailableReplicas"


class SpreadByField(StrEnum):
    """Cluster fields usable for spreading (spreadConstraints[].spreadByField)."""

    CLUSTER = "cluster"
    REGION = "region"
    ZONE = "zone"
    PROVIDER = "provider"


class ClusterField(StrEnum):
    """Cluster fields a ClusterAffinity fieldSelector may match (ValidatePolicyFieldSelector)."""

    PROVIDER = "provider"
    REGION = "region"
    ZONE = "zone"


class FieldSelectorOperator(StrEnum):
    """Operators a ClusterAffinity fieldSelector may use (ValidatePolicyFieldSelector)."""

    IN = "In"
    NOT_IN = "NotIn"


class LabelSelectorOperator(StrEnum):
    """Operators of a metav1.LabelSelector match expression."""

    IN = "In"
    NOT_IN = "NotIn"
    EXISTS = "Exists"
    DOES_NOT_EXIST = "DoesNotExist"


class TolerationOperator(StrEnum):
    """Cluster toleration operators; Karmada rejects Lt/Gt (validateClusterTolerations)."""

    EXISTS = "Exists"
    EQUAL = "Equal"


class TaintEffect(StrEnum):
    """Taint effects a Karmada Cluster can carry (lifted ValidateClusterTaints allows only these two)."""

    NO_SCHEDULE = "NoSchedule"
    NO_EXECUTE = "NoExecute"


class PurgeMode(StrEnum):
    """What happens to the application left on the cluster it failed over from (application failover)."""

    DIRECTLY = "Directly"
    GRACEFULLY = "Gracefully"
    NEVER = "Never"
    IMMEDIATELY = "Immediately"  # deprecated alias of Directly
    GRACIOUSLY = "Graciously"  # deprecated alias of Gracefully


class ClusterFailoverPurgeMode(StrEnum):
    """Purge modes allowed for cluster failover (failover.cluster.purgeMode)."""

    DIRECTLY = "Directly"
    GRACEFULLY = "Gracefully"


class PreemptionBehavior(StrEnum):
    """Whether a policy may take resources away from lower-priority policies (spec.preemption)."""

    ALWAYS = "Always"
    NEVER = "Never"


class ConflictResolution(StrEnum):
    """What to do when the resource already exists in a member cluster (spec.conflictResolution)."""

    ABORT = "Abort"
    OVERWRITE = "Overwrite"


class ActivationPreference(StrEnum):
    """When policy changes reach already-propagated resources (spec.activationPreference)."""

    LAZY = "Lazy"


class PriorityClassSource(StrEnum):
    """Where the schedule priority comes from (spec.schedulePriority.priorityClassSource)."""

    KUBE_PRIORITY_CLASS = "KubePriorityClass"


class OverriderOperator(StrEnum):
    """Operators of plaintext, image, label, annotation and field overriders."""

    ADD = "add"
    REMOVE = "remove"
    REPLACE = "replace"


class CommandArgsOperator(StrEnum):
    """Operators of command and args overriders (the CRD allows only these two)."""

    ADD = "add"
    REMOVE = "remove"


class ImageComponent(StrEnum):
    """Part of an image reference ``[registry/]repository[:tag]`` an imageOverrider changes."""

    REGISTRY = "Registry"
    REPOSITORY = "Repository"
    TAG = "Tag"


class MatchConditionOperator(StrEnum):
    """Operators of a ClusterTaintPolicy match condition (the controller ignores anything else)."""

    IN = "In"
    NOT_IN = "NotIn"


class ConditionStatus(StrEnum):
    """metav1.ConditionStatus values matched by ClusterTaintPolicy conditions."""

    TRUE = "True"
    FALSE = "False"
    UNKNOWN = "Unknown"


class ExposureType(StrEnum):
    """How a MultiClusterService exposes its Service (networking.karmada.io/v1alpha1 spec.types)."""

    CROSS_CLUSTER = "CrossCluster"  # endpoints of provider clusters reach consumer clusters as EndpointSlices
    LOAD_BALANCER = "LoadBalancer"  # a load balancer outside the clusters (MultiClusterIngress-style providers)
