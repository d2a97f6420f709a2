"""`eks-karmada drill failover`: the taint added and removed, the watch, the restore on every way out, the refusals.

Karmada's controllers are simulated on the fake clock (FakeControllers): on each poll the taint manager evicts
what does not tolerate a NoExecute taint (after its tolerationSeconds from timeAdded), the scheduler places the
replicas on the untainted members, the eviction stays in spec.gracefulEvictionTasks for two polls (keeping the
scheduler off that member), and a rescheduleTriggeredAt newer than lastScheduledTime is scheduled afresh.
"""

from __future__ import annotations

import base64

import pytest
import yaml

from eks_karmada.cli.drill_failover import DRILL_ANNOTATION, tolerance, tolerates
from tests.cli.harness import binding, member_cluster, pki

TAINT = "cluster.karmada.io/not-ready"
RB = ("work.karmada.io/v1alpha2", "ResourceBinding")
CRB = ("work.karmada.io/v1alpha2", "ClusterResourceBinding")
CLUSTER = ("cluster.karmada.io/v1alpha1", "Cluster")
LAST_SCHEDULED = "2026-11-24T11:00:00Z"  # tests.cli.harness.binding's


@pytest.fixture
def sample(world):
    """The default deployment with the sample split 2/2 and its namespace, which tolerates the taint for ever."""
    return world.sample_bound()


def _cluster(world, name="member-use1") -> dict:
    return world.karmada.get(*CLUSTER, name)


def _taint_patches(world) -> list[dict]:
    return [r.parsed_body() for r in world.karmada.requests_matching("PATCH", "/clusters/member-use1$")]


def _assert_untainted(world) -> None:
    cluster = _cluster(world)
    assert not cluster["spec"].get("taints"), cluster["spec"]
    assert DRILL_ANNOTATION not in cluster["metadata"].get("annotations", {})


def test_the_replicas_move_the_time_is_reported_and_everything_is_restored(world, sample):
    world.expect_stack()
    result = world.invoke("drill", "failover", "--member", "member-use1", "--yes")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "sample/sample-nginx-deployment: member-use1 2, member-usw2 2 (evicted at once)" in out
    assert "sample-namespace (cluster-scoped): stays (tolerates the taint for ever)" in out
    assert "   2.0 s  sample/sample-nginx-deployment: member-use1 2, member-usw2 2 -> member-usw2 4" in out
    assert "Moved: 1 binding(s) left member-use1 in 2.0 s" in out
    # Rescheduled only once the graceful eviction is over: before that the ClusterEviction filter would keep
    # member-use1 out (what a CI run on the real control plane showed).
    assert "   4.0 s  sample/sample-nginx-deployment: evicted from member-use1" in out
    assert out.index("evicted from member-use1") < out.index("Rescheduling the moved bindings")
    assert "Restored: member-use1 untainted and every moved binding placed on it again." in out
    # The taint Karmada's ClusterTaintPolicy adds, with timeAdded (tolerationSeconds count from it), and the drill's
    # NoSchedule in place of the cluster controller's, sent with the resourceVersion read (optimistic
    # concurrency); then exactly those taints and the annotation removed.
    added, removed = _taint_patches(world)
    assert added["spec"]["taints"] == [
        {"key": TAINT, "effect": "NoExecute", "timeAdded": "2026-11-24T12:00:00Z"},
        {"key": "eks-karmada.io/failover-drill", "effect": "NoSchedule", "timeAdded": "2026-11-24T12:00:00Z"}]
    assert added["metadata"]["annotations"] == {DRILL_ANNOTATION: "2026-11-24T12:00:00Z"}
    assert added["metadata"]["resourceVersion"]
    assert removed["spec"]["taints"] == [] and removed["metadata"]["annotations"] == {DRILL_ANNOTATION: None}
    _assert_untainted(world)
    # Rescheduled from scratch: back on both members.
    rb = world.karmada.get(*RB, "sample-nginx-deployment", "sample")
    assert rb["spec"]["rescheduleTriggeredAt"] > LAST_SCHEDULED
    assert {c["name"]: c["replicas"] for c in rb["spec"]["clusters"]} == {"member-use1": 2, "member-usw2": 2}
    # The namespace binding, which tolerates the taint, was never touched.
    assert not world.karmada.requests_matching("PATCH", "clusterresourcebindings")


def test_a_toleration_delays_the_move_by_its_seconds(world, sample):
    world.karmada.put(binding("sample-nginx-deployment", {"member-use1": 2, "member-usw2": 2}, tolerations=[
        {"key": TAINT, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 30}]))
    world.expect_stack()
    result = world.invoke("drill", "failover", "--member", "member-use1", "--yes", "--no-rebalance")
    assert result.exit_code == 0, result.output
    assert "(evicted after its 30 s toleration)" in result.stdout
    assert "Moved: 1 binding(s) left member-use1 in 30.0 s" in result.stdout
    assert "stay where they went (--no-rebalance)" in result.stdout
    _assert_untainted(world)
    rb = world.karmada.get(*RB, "sample-nginx-deployment", "sample")
    assert "rescheduleTriggeredAt" not in rb["spec"]


def test_a_timeout_still_removes_the_taint_and_exits_3(world, sample):
    sample.evict = False
    world.expect_stack()
    result = world.invoke("drill", "failover", "--member", "member-use1", "--yes", "--timeout", "20")
    assert result.exit_code == 3, result.output
    assert "Not moved within 20 s: sample/sample-nginx-deployment; the taint is removed." in result.stdout
    _assert_untainted(world)
    assert "Traceback" not in result.output


def test_an_eviction_that_never_ends_is_not_rescheduled_and_exits_3(world, sample):
    sample.eviction_steps = 10_000  # the replacements never get ready elsewhere
    world.expect_stack()
    result = world.invoke("drill", "failover", "--member", "member-use1", "--yes", "--timeout", "20")
    assert result.exit_code == 3, result.output
    assert ("Still evicting from member-use1 after 20 s: sample/sample-nginx-deployment; not rescheduled"
            in result.stdout)
    assert "rescheduleTriggeredAt" not in world.karmada.get(*RB, "sample-nginx-deployment", "sample")["spec"]
    _assert_untainted(world)


def test_ctrl_c_removes_the_taint(world, sample):
    def interrupt(clock):
        if clock.seconds >= 4:
            raise KeyboardInterrupt

    sample.evict = False
    world.clock.on_sleep.append(interrupt)
    world.expect_stack()
    result = world.invoke("drill", "failover", "--member", "member-use1", "--yes")
    assert result.exit_code == 130, result.output
    assert "error: interrupted; the taint is removed from member-use1" in result.stderr
    _assert_untainted(world)


def test_an_api_failure_during_the_watch_restores_then_reports_one_line(world, sample):
    sample.evict = False
    world.karmada.fail_next(500, method="GET", path="/resourcebindings/sample-nginx-deployment$",
                            message="etcdserver: request timed out")
    world.expect_stack()
    result = world.invoke("drill", "failover", "--member", "member-use1", "--yes")
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().startswith("error: watch the bindings on the Karmada API at https://")
    assert "etcdserver: request timed out" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.output
    _assert_untainted(world)


def test_when_the_taint_cannot_be_removed_the_error_says_how_to_by_hand(world, sample):
    def break_patches(clock):
        world.karmada.fail_next(503, times=None, method="PATCH", path="/clusters/")

    sample.evict = False
    world.clock.on_sleep.append(break_patches)
    world.expect_stack()
    result = world.invoke("drill", "failover", "--member", "member-use1", "--yes", "--timeout", "10")
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (
        "error: could not remove the drill's taint from member-use1: remove the drill's taint from member-use1 on "
        "the Karmada API at https://k8s-karmada-apiserver-0123456789.elb.us-east-1.amazonaws.com:443 failed: the "
        "server is currently unable to handle the request [HTTP 503 ServiceUnavailable]; remove it with "
        "`karmadactl taint clusters member-use1 cluster.karmada.io/not-ready:NoExecute- "
        "eks-karmada.io/failover-drill:NoSchedule-`")


def test_a_taint_removed_by_someone_else_stops_the_drill(world, sample):
    def untaint(clock):
        cluster = _cluster(world)
        cluster["spec"]["taints"] = []
        world.karmada.put(cluster)

    sample.evict = False
    world.clock.on_sleep.insert(0, untaint)
    world.expect_stack()
    result = world.invoke("drill", "failover", "--member", "member-use1", "--yes")
    assert result.exit_code == 1, result.output
    assert "error: the drill's taint left member-use1 after 2 s, removed by someone else" in result.stderr
    assert DRILL_ANNOTATION not in _cluster(world)["metadata"].get("annotations", {})


def test_it_asks_first_and_changes_nothing_when_declined(world, sample):
    world.expect_stack()
    result = world.invoke("drill", "failover", "--member", "member-use1", input="n\n")
    assert result.exit_code == 1, result.output
    assert "Proceed? [y/N]" in result.stderr
    assert "Nothing changed." in result.stdout
    assert not world.karmada.requests_matching("PATCH")


def _not_ready(world, name, region="us-east-1"):
    world.karmada.put(member_cluster(name, region=region, ready=False))


REFUSALS = {
    "unknown member": (
        ["--member", "member-euw1"], None,
        "no member cluster named member-euw1 in Karmada (registered: member-use1, member-usw2); check --member"),
    "the only Ready member": (
        ["--member", "member-use1"], lambda w: _not_ready(w, "member-usw2", "us-west-2"),
        "member-use1 is the only Ready member (member-usw2 (ClusterNotReachable)): its workloads would have nowhere "
        "to go; drill when another member is Ready"),
    "another member not Ready": (
        ["--member", "member-use1"], lambda w: _not_ready(w, "member-euw1"),
        "members not Ready: member-euw1 (ClusterNotReachable); a drill needs every other member Ready so that what "
        "moves is the drill's doing (eks-karmada status)"),
    "the member itself not Ready": (
        ["--member", "member-usw2"], lambda w: _not_ready(w, "member-usw2", "us-west-2"),
        "member-usw2 is not Ready (ClusterNotReachable): Karmada is failing it over already; drill a Ready member "
        "(eks-karmada status)"),
    "a drill taint already there": (
        ["--member", "member-use1"], lambda w: _tainted(w),
        "member-use1 already has the taint cluster.karmada.io/not-ready:NoExecute, added by a failover drill at "
        "2026-11-24T09:00:00Z; if no drill or failover is under way, remove it with `karmadactl taint clusters "
        "member-use1 cluster.karmada.io/not-ready:NoExecute- eks-karmada.io/failover-drill:NoSchedule-`"),
    "a toleration longer than the timeout": (
        ["--member", "member-use1", "--timeout", "60"], lambda w: w.karmada.put(binding(
            "slow", {"member-use1": 1}, tolerations=[{"key": TAINT, "operator": "Exists", "effect": "NoExecute",
                                                      "tolerationSeconds": 300}])),
        "sample/slow tolerates the taint for 300 s, not less than --timeout 60: raise --timeout above 300"),
    "nothing would move": (
        ["--member", "member-usw2"], lambda w: w.karmada.request(
            "DELETE", "/apis/work.karmada.io/v1alpha2/namespaces/sample/resourcebindings/sample-nginx-deployment"),
        "nothing placed on member-usw2 would move (no binding lists it, or every one tolerates the taint for ever): "
        "the drill would show nothing"),
}


def _tainted(world):
    cluster = _cluster(world)
    cluster["spec"]["taints"] = [{"key": TAINT, "effect": "NoExecute", "timeAdded": "2026-11-24T09:00:00Z"}]
    cluster["metadata"]["annotations"] = {DRILL_ANNOTATION: "2026-11-24T09:00:00Z"}
    world.karmada.put(cluster)


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refusals_are_one_line_and_change_nothing(world, sample, case):
    args, setup, message = REFUSALS[case]
    if setup:
        setup(world)
    world.expect_stack()
    result = world.invoke("drill", "failover", *args, "--yes")
    assert result.exit_code == 1, result.output
    assert result.stderr == f"error: {message}\n"
    assert "Traceback" not in result.output
    assert not world.karmada.requests_matching("PATCH")


def test_the_only_member_is_refused(world):
    world.deployed(members=("member-use1",))
    world.expect_stack()
    result = world.invoke("drill", "failover", "--member", "member-use1", "--yes")
    assert result.exit_code == 1
    assert result.stderr == ("error: member-use1 is the only Ready member: its workloads would have nowhere to go; "
                             "drill when another member is Ready\n")


def test_a_kubeconfig_reaches_the_karmada_api_without_aws(world, sample, tmp_path):
    material = pki()
    b64 = lambda data: base64.b64encode(data).decode()  # noqa: E731
    path = tmp_path / "karmada.kubeconfig"
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "karmada",
        "clusters": [{"name": "karmada", "cluster": {"server": "https://10.96.0.10:5443",
                                                     "certificate-authority-data": b64(material.ca.cert_pem),
                                                     "tls-server-name": "karmada-apiserver.local"}}],
        "users": [{"name": "admin", "user": {"client-certificate-data": b64(material.client.cert_pem),
                                             "client-key-data": b64(material.client.key_pem)}}],
        "contexts": [{"name": "karmada", "context": {"cluster": "karmada", "user": "admin"}}],
    }))
    result = world.invoke("drill", "failover", "--member", "member-use1", "--yes", "--kubeconfig", str(path))
    assert result.exit_code == 0, result.output
    ((server, tls, server_name),) = world.karmada_connections
    assert (server, server_name) == ("https://10.96.0.10:5443", "karmada-apiserver.local")
    assert tls.cert_pem == material.client.cert_pem
    assert {user for user, _ in world.karmada_users} == {"system:admin"}  # the break-glass certificate
    assert world.eks_endpoints == []  # no AWS call at all


def test_a_kubeconfig_with_a_token_the_authenticator_does_not_know(world, sample, tmp_path):
    path = tmp_path / "k"
    path.write_text(yaml.safe_dump({
        "current-context": "c", "clusters": [{"name": "c", "cluster": {
            "server": "https://h", "certificate-authority-data": base64.b64encode(pki().ca.cert_pem).decode()}}],
        "users": [{"name": "u", "user": {"token": "secret"}}],
        "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
    }))
    result = world.invoke("drill", "failover", "--member", "member-use1", "--yes", "--kubeconfig", str(path))
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: the Karmada API at https://h did not accept the credentials of user 'u' "
                                    f"of {path} (HTTP 401)")
    _assert_untainted(world)


# ---- the toleration rule, as Karmada's taint manager applies it ------------------------------------------------

NOT_READY = {"key": TAINT, "effect": "NoExecute", "value": ""}


@pytest.mark.parametrize(("toleration", "expected"), [
    ({"key": TAINT, "operator": "Exists", "effect": "NoExecute"}, True),
    ({"operator": "Exists"}, True),
    ({"key": TAINT, "effect": "NoExecute"}, True),  # Equal with an empty value matches the valueless taint
    ({"key": TAINT, "value": "x", "effect": "NoExecute"}, False),
    ({"key": TAINT, "operator": "Exists", "effect": "NoSchedule"}, False),
    ({"key": "cluster.karmada.io/unreachable", "operator": "Exists"}, False),
    ({"key": TAINT, "operator": "Gt", "value": "1"}, False),
])
def test_tolerates(toleration, expected):
    assert tolerates(toleration, NOT_READY) is expected


def test_tolerance_takes_the_first_matching_toleration():
    forever_first = binding("b", {"m": 1}, tolerations=[{"operator": "Exists"},
                                                        {"key": TAINT, "operator": "Exists", "tolerationSeconds": 5}])
    assert tolerance(forever_first, NOT_READY) is None
    timed_first = binding("b", {"m": 1}, tolerations=[{"key": TAINT, "operator": "Exists", "tolerationSeconds": 5},
                                                      {"operator": "Exists"}])
    assert tolerance(timed_first, NOT_READY) == 5
    assert tolerance(binding("b", {"m": 1}), NOT_READY) == 0


def test_a_binding_with_nowhere_else_to_go_is_reported_unschedulable(world, sample):
    pinned = binding("pinned", {"member-use1": 1})
    world.karmada.put(pinned)

    def no_fit(clock):
        obj = world.karmada.get(*RB, "pinned", "sample")
        if any(c["name"] == "member-use1" for c in obj["spec"]["clusters"]) and clock.seconds < 10:
            obj["spec"]["clusters"] = []
            obj["status"]["conditions"] = [{"type": "Scheduled", "status": "False", "reason": "NoClusterFit",
                                            "message": "0/2 clusters are available"}]
            world.karmada.put(obj)

    world.clock.on_sleep.insert(0, no_fit)
    sample.evict = True
    world.expect_stack()
    result = world.invoke("drill", "failover", "--member", "member-use1", "--yes", "--no-rebalance")
    assert result.exit_code == 0, result.output
    assert "sample/pinned: member-use1 1 -> nowhere (unschedulable: 0/2 clusters are available)" in result.stdout
