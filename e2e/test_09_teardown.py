"""Scenario 9: teardown through the handlers, in `cdk destroy`'s order.

Scenario 9: teardown through the handlers, in `cdk destroy`'s order: the workloads, then each registration
(unregistering its member), then the Karmada API bootstrap. Nothing is left behind.

This drill runs last: it takes the Karmada API back to empty (`make local` brings it back).
"""

from __future__ import annotations

from e2e.conftest import sample_namespace, wait_for
from local_control_plane.handlers import Deployer

KARMADA_GROUPS = ("karmada.io",)


def _karmada_crds(karmada) -> list[str]:
    return [c["metadata"]["name"] for c in karmada.json("get", "crd")["items"]
            if c["spec"]["group"].endswith(KARMADA_GROUPS)]


def test_teardown_through_the_handlers_leaves_nothing(env, karmada, members):
    deployer = Deployer(env, lambda _message: None)

    namespace = sample_namespace(karmada)
    deployer.delete_stack("KarmadaWorkloads")
    assert karmada.get("deployment", "sample-nginx", namespace) is None
    for name, member in members.items():
        wait_for(lambda m=member: m.get("deployment", "sample-nginx", namespace) is None, 120,
                 f"the sample removed from {name}")
        wait_for(lambda m=member: m.get("namespace", namespace) is None, 120,
                 f"the sample's namespace {namespace} removed from {name}")

    for name in env.member_names:
        deployer.delete_stack(f"KarmadaRegistration-{name}")
        assert karmada.get("cluster", name) is None, f"Cluster {name} still registered"
        assert karmada.get("namespace", f"karmada-es-{name}") is None, f"execution namespace of {name} left"
        leftovers = [s["metadata"]["name"] for s in karmada.json("get", "secrets", "-n", "karmada-cluster")["items"]
                     if s["metadata"]["name"].startswith(name)]
        assert leftovers == [], leftovers
        assert members[name].get("secret", "karmada-kubeconfig", "karmada-system") is None, (
            f"the agent credential is left in {name}")
        roles = [r["metadata"]["name"] for r in karmada.json("get", "clusterroles")["items"]
                 if f":{name}:" in r["metadata"]["name"]]
        assert roles == [], roles

    deployer.delete_stack("KarmadaParent")
    # A deleted CRD is gone once the API server has removed its objects (finalizer customresourcecleanup).
    wait_for(lambda: _karmada_crds(karmada) == [], 120, "every Karmada CRD removed")
    assert karmada.get("apiservice", "v1alpha1.cluster.karmada.io") is None
    assert karmada.get("validatingwebhookconfiguration", "validating-config") is None
    assert karmada.get("mutatingwebhookconfiguration", "mutating-config") is None
    assert karmada.get("clusterrolebinding", "karmada:control-plane-components") is None
    state = env.layout.run / "cloudformation"
    deleted = ["KarmadaWorkloads", "KarmadaParent", *(f"KarmadaRegistration-{name}" for name in env.member_names)]
    left = [str(p.relative_to(state)) for stack in deleted for p in (state / stack).glob("*.json")]
    assert left == [], f"the local CloudFormation still records {left}"
