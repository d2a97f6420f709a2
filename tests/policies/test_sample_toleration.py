"""The sample tolerates a NotReady member before its replicas move (found by `make e2e`'s partition drill)."""

from __future__ import annotations

import pytest

from charts.policies.sample import DEFAULT_NOT_READY_TOLERATION_SECONDS, sample_propagation_policy


@pytest.mark.parametrize("seconds", [0, 120, DEFAULT_NOT_READY_TOLERATION_SECONDS])
def test_sample_tolerates_not_ready_and_unreachable_for_the_configured_time(seconds):
    placement = sample_propagation_policy(["a", "b"], "default", seconds).to_manifest()["spec"]["placement"]
    tolerations = {t["key"]: t for t in placement["clusterTolerations"]}
    assert set(tolerations) == {"cluster.karmada.io/not-ready", "cluster.karmada.io/unreachable"}
    for toleration in tolerations.values():
        # NoExecute only: the NoSchedule twin still keeps new replicas off a sick member.
        assert (toleration["effect"], toleration["operator"], toleration["tolerationSeconds"]) == (
            "NoExecute", "Exists", seconds)


def test_default_is_minutes_not_seconds():
    assert DEFAULT_NOT_READY_TOLERATION_SECONDS >= 120
