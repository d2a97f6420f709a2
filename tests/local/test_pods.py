"""local_control_plane.pods: rendered workloads -> the PodSpecs the local kubelet runs."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from local_control_plane import binaries, deviations, image_assets
from local_control_plane.environment import read_objects
from local_control_plane.pods import PodBuilder, PodError, cron_job, expand, image_repository, workloads
from local_control_plane.services import hosts_and_proxy, local_services

REPO = Path(__file__).resolve().parents[2]
SA_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
ETCD_IMAGE = "registry.k8s.io/etcd:3.6.6-0"
APISERVER_IMAGE = "registry.k8s.io/kube-apiserver:v1.35.2"
FAKE_BIN = Path("/fake/bin")
BINARIES = {name: FAKE_BIN / name for module in binaries.MODULES for name in module.commands} | {
    deviations.STS_CA_FILE: FAKE_BIN / "sts-ca.crt"}  # as Environment adds it


def address_of(key: str) -> str:
    return {"c.ns.web-0": "10.250.0.20", "c.ns.web-1": "10.250.0.21", "c.ns.db-0": "10.250.0.30",
            "c.ns.db-1": "10.250.0.31", "c.ns.db-2": "10.250.0.32"}.get(key, "10.250.0.99")


def builder(tmp_path: Path, **kwargs) -> PodBuilder:
    return PodBuilder(cluster="c", binaries=BINARIES, data_dir=tmp_path / "data", hosts=[("10.250.0.5", "svc.ns.svc")],
                      address_of=address_of, netns_of=lambda key: f"ns-of-{key}", **kwargs)


def container(**overrides) -> dict:
    base = {"name": "main", "image": APISERVER_IMAGE, "command": ["kube-apiserver"], "args": ["--v=2"]}
    base.update(overrides)
    return base


def deployment(spec: dict | None = None, containers: list[dict] | None = None, name: str = "web",
               namespace: str | None = "ns", labels: dict | None = None, replicas: int = 3) -> dict:
    metadata = {"name": name} | ({"namespace": namespace} if namespace else {})
    pod_spec = {"containers": containers if containers is not None else [container()], **(spec or {})}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata,
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels or {"app": name}},
                 "template": {"metadata": {"labels": labels or {"app": name}}, "spec": pod_spec}},
    }


def statefulset(replicas: int = 3, claims: list[dict] | None = None, spec: dict | None = None) -> dict:
    obj = deployment(spec, [container(name="etcd", image=ETCD_IMAGE, command=["etcd"], args=[])], name="db")
    obj["kind"] = "StatefulSet"
    obj["spec"]["replicas"] = replicas
    obj["spec"]["serviceName"] = "db-headless"
    obj["spec"]["volumeClaimTemplates"] = claims if claims is not None else [
        {"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"],
                                                "resources": {"requests": {"storage": "1Gi"}}}}]
    return obj


def one_pod(tmp_path: Path, obj: dict, **kwargs):
    (workload,) = workloads([obj])
    return builder(tmp_path, **kwargs).pod(workload, 0, workload.pod_names[0])


def one_container(tmp_path: Path, **overrides):
    return one_pod(tmp_path, deployment(containers=[container(**overrides)])).containers[0]


# ----------------------------------------------------------------------------- image_repository


@pytest.mark.parametrize(("image", "repository"), [
    ("registry.k8s.io/etcd:3.6.6-0", "etcd"),
    ("registry.k8s.io/kube-apiserver:v1.35.2", "kube-apiserver"),
    ("docker.io/karmada/karmada-webhook:v1.18.2", "karmada/karmada-webhook"),
    ("karmada/karmada-webhook:v1.18.2", "karmada/karmada-webhook"),  # no registry: the first part is kept
    ("etcd", "etcd"),
    ("etcd:3.6.6-0", "etcd"),
    ("registry.example.com:5000/team/etcd:3.6.6-0", "team/etcd"),  # a registry with dots and a port
    ("localhost:5000/etcd:v1.2.3", "etcd"),
    ("localhost/etcd", "etcd"),
    ("myregistry:5000/etcd", "etcd"),  # a port alone marks a registry, and no tag to strip
    ("public.ecr.aws/aws-cli/aws-cli:2.36.7", "aws-cli/aws-cli"),
    ("registry.k8s.io/etcd@sha256:" + "a" * 64, "etcd"),
    ("registry.k8s.io/etcd:3.6.6-0@sha256:" + "b" * 64, "etcd"),
    # Through the parent's pull-through cache (the rendered ${Parent.AccountId} is the local account): the
    # upstream host under the cache's registry goes too.
    ("000000000000.dkr.ecr.us-east-1.amazonaws.com/registry.k8s.io/etcd:3.6.6-0", "etcd"),
    ("000000000000.dkr.ecr.us-east-1.amazonaws.com/docker.io/karmada/karmada-agent:v1.18.2",
     "karmada/karmada-agent"),
    ("000000000000.dkr.ecr.us-east-1.amazonaws.com/public.ecr.aws/aws-cli/aws-cli:2.36.7@sha256:" + "c" * 64,
     "aws-cli/aws-cli"),
])
def test_image_repository(image: str, repository: str) -> None:
    assert image_repository(image) == repository


def test_image_repository_keeps_a_first_part_that_is_no_registry() -> None:
    # Only a first part with a dot, a port or `localhost` is a registry: `karmada` is an organisation.
    assert image_repository("karmada/karmada-agent") == "karmada/karmada-agent"
    assert image_repository("docker.io/karmada/karmada-agent") == "karmada/karmada-agent"


# ----------------------------------------------------------------------------- expand


@pytest.mark.parametrize(("text", "expected"), [
    ("$(A)", "one"),
    ("--name=$(A)-$(B)", "--name=one-two"),
    ("$(UNKNOWN)", "$(UNKNOWN)"),  # an unknown variable stays as written
    ("$$(A)", "$(A)"),  # $$ escapes: the reference is not expanded
    ("$$$(A)", "$one"),
    ("cost: $$5", "cost: $5"),
    ("$A and ${A}", "$A and ${A}"),  # only $(VAR) is Kubernetes syntax
    ("$(A", "$(A"),
    ("$(DOTTED.NAME)", "dotted"),
    ("", ""),
])
def test_expand(text: str, expected: str) -> None:
    assert expand(text, {"A": "one", "B": "two", "DOTTED.NAME": "dotted"}) == expected


def test_expand_is_not_recursive() -> None:
    assert expand("$(A)", {"A": "$(B)", "B": "two"}) == "$(B)"


def test_env_values_see_only_earlier_variables(tmp_path: Path) -> None:
    c = one_container(tmp_path, env=[
        {"name": "LATE_REF", "value": "x-$(LATER)"},
        {"name": "FIRST", "value": "1"},
        {"name": "SECOND", "value": "$(FIRST)-2"},
        {"name": "LATER", "value": "3"},
    ])
    env = dict(c.env)
    assert env["SECOND"] == "1-2"
    assert env["LATE_REF"] == "x-$(LATER)"  # defined after: not expanded, as Kubernetes does
    assert env["PATH"] == deviations.IMAGE_PATH
    assert env["HOSTNAME"] == "web-0"


# ----------------------------------------------------------------------------- workloads


def test_deployment_runs_the_local_replica_count(tmp_path: Path) -> None:
    (workload,) = workloads([deployment(replicas=5)])
    assert workload.kind == "Deployment"
    assert workload.pod_names == tuple(f"web-{i}" for i in range(deviations.DEPLOYMENT_REPLICAS))
    assert len(workload.pod_names) == deviations.DEPLOYMENT_REPLICAS != 5
    assert workload.service_name == "" and workload.claims == ()


def test_statefulset_keeps_its_replicas_service_name_and_claims() -> None:
    (workload,) = workloads([statefulset(replicas=3)])
    assert workload.kind == "StatefulSet"
    assert workload.pod_names == ("db-0", "db-1", "db-2")
    assert workload.service_name == "db-headless"
    assert [c["metadata"]["name"] for c in workload.claims] == ["data"]


def test_statefulset_without_replicas_runs_one() -> None:
    obj = statefulset()
    del obj["spec"]["replicas"]
    assert workloads([obj])[0].pod_names == ("db-0",)


def test_workloads_ignores_other_kinds_and_defaults_the_namespace() -> None:
    objects = [{"kind": "Service", "metadata": {"name": "web"}}, {"kind": "ConfigMap", "metadata": {"name": "x"}},
               deployment(namespace=None)]
    (workload,) = workloads(objects)
    assert workload.namespace == "default"


def test_cron_job_runs_once_as_a_job(tmp_path: Path) -> None:
    template = deployment()["spec"]["template"]
    cron = {"kind": "CronJob", "metadata": {"name": "backup", "namespace": "ns"},
            "spec": {"jobTemplate": {"spec": {"template": template}}}}
    workload = cron_job([cron], "backup")
    assert workload.kind == "Job" and workload.pod_names == ("backup-manual",)
    pod = builder(tmp_path).pods(workload)[0]
    assert pod.restart == "Never"
    with pytest.raises(PodError, match="no CronJob other"):
        cron_job([cron], "other")


# ----------------------------------------------------------------------------- PodBuilder.pod


def test_pod_identity_address_and_hosts(tmp_path: Path) -> None:
    pod = one_pod(tmp_path, deployment())
    assert pod.id == "c.ns.web-0"
    assert (pod.cluster, pod.namespace, pod.name, pod.hostname) == ("c", "ns", "web-0", "web-0")
    assert pod.address == "10.250.0.20"
    assert pod.netns == "ns-of-c.ns.web-0"
    assert pod.hosts == (("10.250.0.20", "web-0"), ("10.250.0.5", "svc.ns.svc"))
    assert pod.labels == (("app", "web"),)
    assert pod.restart == "Always"


def test_field_refs_resolve(tmp_path: Path) -> None:
    env = [{"name": key, "valueFrom": {"fieldRef": {"fieldPath": path}}} for key, path in (
        ("POD_NAME", "metadata.name"), ("POD_NAMESPACE", "metadata.namespace"), ("POD_IP", "status.podIP"),
        ("NODE", "spec.nodeName"), ("SA", "spec.serviceAccountName"), ("APP", "metadata.labels['app']"))]
    c = one_pod(tmp_path,
                deployment(spec={"serviceAccountName": "robot"}, containers=[container(env=env)])).containers[0]
    values = dict(c.env)
    assert values["POD_NAME"] == "web-0"
    assert values["POD_NAMESPACE"] == "ns"
    assert values["POD_IP"] == "10.250.0.20"
    assert values["NODE"] == "local"
    assert values["SA"] == "robot"
    assert values["APP"] == "web"


def test_unsupported_field_ref_raises_naming_it(tmp_path: Path) -> None:
    env = [{"name": "UID", "valueFrom": {"fieldRef": {"fieldPath": "metadata.uid"}}}]
    with pytest.raises(PodError, match=r"fieldRef metadata\.uid"):
        one_container(tmp_path, env=env)


def test_unsupported_env_source_raises(tmp_path: Path) -> None:
    env = [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}}}]
    with pytest.raises(PodError, match="env X has an unsupported source"):
        one_container(tmp_path, env=env)


@pytest.mark.parametrize(("resource", "amount", "divisor", "expected"), [
    ("limits.memory", "512Mi", "1Mi", "512"),
    ("limits.memory", "1Gi", None, str(2**30)),
    ("requests.memory", "100M", "1Mi", "96"),  # 95.37 rounds up, as the downward API does
    ("limits.cpu", "500m", None, "1"),  # cpu rounds up to whole cores with the default divisor
    ("limits.cpu", "2", "1m", "2000"),
    ("requests.cpu", "250m", "1m", "250"),
])
def test_resource_field_ref_with_divisor(tmp_path: Path, resource: str, amount: str, divisor: str | None,
                                         expected: str) -> None:
    section, _, name = resource.partition(".")
    ref = {"resource": resource} | ({"divisor": divisor} if divisor else {})
    c = one_container(tmp_path, resources={section: {name: amount}},
                      env=[{"name": "V", "valueFrom": {"resourceFieldRef": ref}}])
    assert dict(c.env)["V"] == expected


def test_secret_key_ref_goes_to_env_from_secrets(tmp_path: Path) -> None:
    env = [{"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}},
           {"name": "MAYBE", "valueFrom": {"secretKeyRef": {"name": "other", "key": "k", "optional": True}}}]
    c = one_container(tmp_path, env=env)
    assert c.env_from_secrets == (("TOKEN", "creds", "token", False), ("MAYBE", "other", "k", True))
    assert "TOKEN" not in dict(c.env) and "MAYBE" not in dict(c.env)


def test_args_expand_from_env(tmp_path: Path) -> None:
    c = one_container(
        tmp_path, command=["kube-apiserver"],
        args=["--name=$(POD_NAME)", "--ip=$(POD_IP)", "--literal=$$(POD_NAME)", "--unknown=$(NOPE)"],
        env=[{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
             {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
    )
    assert c.argv == ("kube-apiserver", "--name=web-0", "--ip=10.250.0.20", "--literal=$(POD_NAME)",
                      "--unknown=$(NOPE)")


def test_no_command_raises(tmp_path: Path) -> None:
    with pytest.raises(PodError, match="no command"):
        one_container(tmp_path, command=None, args=None)
    assert one_container(tmp_path, command=None, args=["etcd"]).argv == ("etcd",)


def test_named_probe_port_resolves(tmp_path: Path) -> None:
    c = one_container(
        tmp_path, ports=[{"name": "https", "containerPort": 8443}, {"containerPort": 9000}],
        livenessProbe={"httpGet": {"path": "/livez", "port": "https", "scheme": "HTTPS"},
                       "initialDelaySeconds": 5, "periodSeconds": 7, "timeoutSeconds": 3, "failureThreshold": 8},
        readinessProbe={"tcpSocket": {"port": 9000}},
        startupProbe={"httpGet": {"path": "/readyz", "port": 8443}},
    )
    assert c.liveness.kind == "httpGet" and c.liveness.port == 8443 and c.liveness.path == "/livez"
    assert c.liveness.scheme == "HTTPS"
    assert (c.liveness.initial_delay, c.liveness.period, c.liveness.timeout,
            c.liveness.failure_threshold) == (5, 7, 3, 8)
    assert c.readiness.kind == "tcpSocket" and c.readiness.port == 9000
    assert c.startup.port == 8443 and c.startup.scheme == "HTTP"
    assert (c.startup.period, c.startup.timeout, c.startup.failure_threshold) == (10, 1, 3)  # Kubernetes' defaults


def test_unknown_probe_port_name_raises(tmp_path: Path) -> None:
    with pytest.raises(PodError, match="probe port 'metrics' names no container port"):
        one_container(tmp_path, ports=[{"name": "https", "containerPort": 8443}],
                      readinessProbe={"httpGet": {"path": "/", "port": "metrics"}})


def test_exec_probe_raises(tmp_path: Path) -> None:
    with pytest.raises(PodError, match=r"probe \['exec'"):
        one_container(tmp_path, livenessProbe={"exec": {"command": ["true"]}, "periodSeconds": 5})


def test_volumes_map(tmp_path: Path) -> None:
    spec = {"volumes": [
        {"name": "certs", "secret": {"secretName": "tls", "defaultMode": 0o400,
                                     "items": [{"key": "tls.crt", "path": "server.crt"}]}},
        {"name": "conf", "configMap": {"name": "settings", "optional": True}},
        {"name": "scratch", "emptyDir": {}},
        {"name": "store", "persistentVolumeClaim": {"claimName": "pvc-1"}},
    ]}
    pod = one_pod(tmp_path, deployment(spec=spec))
    by_name = {v.name: v for v in pod.volumes}
    secret, config, scratch, store = (by_name[n] for n in ("certs", "conf", "scratch", "store"))
    assert (secret.kind, secret.source, secret.items, secret.default_mode, secret.optional) == (
        "secret", "tls", (("tls.crt", "server.crt"),), 0o400, False)
    assert (config.kind, config.source, config.items, config.default_mode, config.optional) == (
        "configMap", "settings", (), 0o644, True)
    assert scratch.kind == "emptyDir"
    assert store.kind == "directory"
    assert Path(store.source) == tmp_path / "data" / "volumes" / "c" / "ns" / "pvc-1"


@pytest.mark.parametrize("source", [{"hostPath": {"path": "/etc"}}, {"projected": {"sources": []}},
                                    {"downwardAPI": {"items": []}}])
def test_unsupported_volume_type_raises_naming_it(tmp_path: Path, source: dict) -> None:
    (kind,) = source
    spec = {"volumes": [{"name": "odd", **source}]}
    with pytest.raises(PodError, match=rf"volume odd of type \['{kind}'\] is not supported"):
        one_pod(tmp_path, deployment(spec=spec))


def test_volume_claim_templates_become_a_folder_per_pod(tmp_path: Path) -> None:
    (workload,) = workloads([statefulset(replicas=2)])
    pods = builder(tmp_path).pods(workload)
    folders = []
    for pod in pods:
        (data,) = [v for v in pod.volumes if v.name == "data"]
        assert data.kind == "directory"
        folders.append(Path(data.source))
    assert folders == [tmp_path / "data" / "volumes" / "c" / "ns" / "data-db-0",
                       tmp_path / "data" / "volumes" / "c" / "ns" / "data-db-1"]


def test_statefulset_pod_names_itself_under_its_service(tmp_path: Path) -> None:
    (workload,) = workloads([statefulset(replicas=2)])
    pod = builder(tmp_path).pods(workload)[1]
    assert pod.hosts[0] == ("10.250.0.31", "db-1.db-headless.ns.svc.cluster.local db-1")


def test_subdomain_names_a_deployment_pod(tmp_path: Path) -> None:
    pod = one_pod(tmp_path, deployment(spec={"subdomain": "sub"}))
    assert pod.hosts[0] == ("10.250.0.20", "web-0.sub.ns.svc.cluster.local web-0")


def test_service_account_token_is_mounted_by_default(tmp_path: Path) -> None:
    pod = one_pod(tmp_path, deployment(spec={"serviceAccountName": "robot"},
                                       containers=[container(), container(name="side")]))
    (token,) = [v for v in pod.volumes if v.kind == "serviceAccountToken"]
    assert token.name == "kube-api-access" and token.source == "robot"
    assert pod.service_account == "robot"
    for c in pod.containers:
        (mount,) = [m for m in c.mounts if m.volume == token.name]
        assert mount.path == SA_PATH and mount.read_only


def test_service_account_token_default_account(tmp_path: Path) -> None:
    pod = one_pod(tmp_path, deployment())
    assert [v.source for v in pod.volumes if v.kind == "serviceAccountToken"] == ["default"]
    assert pod.service_account == "default"


def test_automount_false_mounts_no_token(tmp_path: Path) -> None:
    pod = one_pod(tmp_path, deployment(spec={"automountServiceAccountToken": False,
                                             "initContainers": [container(name="init")]}))
    assert not [v for v in pod.volumes if v.kind == "serviceAccountToken"]
    for c in (*pod.containers, *pod.init_containers):
        assert all(m.path != SA_PATH for m in c.mounts)


def test_init_containers_are_built_too(tmp_path: Path) -> None:
    pod = one_pod(tmp_path, deployment(spec={"initContainers": [container(name="init", args=["--init"])]}))
    assert [c.name for c in pod.init_containers] == ["init"]
    assert pod.init_containers[0].argv == ("kube-apiserver", "--init")


def test_volume_mounts_keep_read_only_and_sub_path(tmp_path: Path) -> None:
    spec = {"volumes": [{"name": "scratch", "emptyDir": {}}]}
    mounts = [{"name": "scratch", "mountPath": "/tmp"},
              {"name": "scratch", "mountPath": "/etc/x.conf", "subPath": "x.conf", "readOnly": True}]
    c = one_pod(tmp_path, deployment(spec=spec, containers=[container(volumeMounts=mounts)])).containers[0]
    assert [(m.volume, m.path, m.read_only, m.sub_path) for m in c.mounts[:2]] == [
        ("scratch", "/tmp", False, ""), ("scratch", "/etc/x.conf", True, "x.conf")]


def test_user_and_group_from_container_over_pod(tmp_path: Path) -> None:
    spec = {"securityContext": {"runAsUser": 1000, "runAsGroup": 2000, "fsGroup": 3000,
                                "supplementalGroups": [4000, 4001]}}
    containers = [container(name="inherits"),
                  container(name="overrides", securityContext={"runAsUser": 65532, "runAsGroup": 65533}),
                  container(name="half", securityContext={"runAsUser": 0})]
    pod = one_pod(tmp_path, deployment(spec=spec, containers=containers))
    users = {c.name: (c.user, c.group) for c in pod.containers}
    assert users == {"inherits": (1000, 2000), "overrides": (65532, 65533), "half": (0, 2000)}
    assert pod.fs_group == 3000
    assert pod.supplemental_groups == (4000, 4001)


def test_no_security_context_leaves_user_unset(tmp_path: Path) -> None:
    pod = one_pod(tmp_path, deployment())
    c = pod.containers[0]
    assert (c.user, c.group, c.read_only_root, pod.fs_group, pod.supplemental_groups) == (None, None, False, None, ())


def test_read_only_root_filesystem(tmp_path: Path) -> None:
    containers = [container(name="ro", securityContext={"readOnlyRootFilesystem": True}),
                  container(name="rw", securityContext={"readOnlyRootFilesystem": False})]
    pod = one_pod(tmp_path, deployment(containers=containers))
    assert {c.name: c.read_only_root for c in pod.containers} == {"ro": True, "rw": False}


def test_image_becomes_its_binaries(tmp_path: Path) -> None:
    c = one_pod(tmp_path, statefulset()).containers[0]
    assert dict(c.files) == {f"/usr/local/bin/{n}": str(FAKE_BIN / n) for n in ("etcd", "etcdctl", "etcdutl")}
    assert not c.host_tools
    webhook = one_container(tmp_path, image="docker.io/karmada/karmada-webhook:v1.18.2",
                            command=["/bin/karmada-webhook"])
    assert dict(webhook.files) == {"/bin/karmada-webhook": str(FAKE_BIN / "karmada-webhook")}


def test_an_image_pinned_by_digest_becomes_the_same_binaries(tmp_path: Path) -> None:
    # images.digests writes <reference>:<tag>@sha256:... (eks_karmada/mirrors.py): the stand-in is the repository's.
    pinned = "docker.io/karmada/karmada-webhook:v1.18.2@sha256:" + "c" * 64
    webhook = one_container(tmp_path, image=pinned, command=["/bin/karmada-webhook"])
    assert dict(webhook.files) == {"/bin/karmada-webhook": str(FAKE_BIN / "karmada-webhook")}
    aws = one_container(tmp_path, image="public.ecr.aws/aws-cli/aws-cli:2.36.7@sha256:" + "d" * 64,
                        command=["aws", "s3", "ls"])
    assert aws.host_tools and aws.files == ()
    collector = deployment(name="karmada-metrics-collector", containers=[container(
        name="collector", image="public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0@sha256:" + "e" * 64)])
    assert workloads([collector]) == []


def test_image_without_stand_in_raises(tmp_path: Path) -> None:
    with pytest.raises(PodError, match=r"image docker.io/library/nginx:1.29: no local stand-in"):
        one_container(tmp_path, image="docker.io/library/nginx:1.29")


def test_host_tools_image(tmp_path: Path) -> None:
    c = one_container(tmp_path, image="public.ecr.aws/aws-cli/aws-cli:2.36.7", command=["aws", "s3", "ls"])
    assert c.host_tools and c.files == ()


# ----------------------------------------------------------------------------- the real rendered manifests


def _rendered_roots() -> list[Path]:
    return [root for root in (REPO / ".local" / "cdk.out", REPO / "cdk.out")
            if (root / "manifests" / "parent.yaml").exists()]


@pytest.mark.skipif(not _rendered_roots(), reason="no synthesized manifests (cdk.out/manifests/parent.yaml)")
@pytest.mark.parametrize("root", _rendered_roots(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_rendered_pod_builds(tmp_path: Path, root: Path) -> None:
    """Every pod `make local` runs from the rendered parent (and members): images, volumes, probes all local."""
    manifests = root / "manifests"
    # The app's own images as Environment fills them in, each binary where its Dockerfile's ENTRYPOINT says.
    assets = image_assets.docker_image_assets(root)
    substitutions = {**deviations.PLACEHOLDERS, **{asset.placeholder: asset.image for asset in assets}}
    built_assets = {image_assets.binary_key(asset.name, asset.entrypoint()): FAKE_BIN / asset.name for asset in assets}
    targets = [manifests / "parent.yaml", *sorted(manifests.glob("member-*.yaml"))]
    addresses: dict[str, str] = {}

    def allocate(key: str) -> str:
        return addresses.setdefault(key, f"10.250.1.{len(addresses) + 16}")

    built = 0
    for target in targets:
        objects = read_objects(target, substitutions)
        b = PodBuilder(cluster=target.stem, binaries=BINARIES | built_assets, data_dir=tmp_path, hosts=[],
                       address_of=allocate, netns_of=lambda key: key)
        pods, templates = [], {}
        for workload in workloads(objects):
            for pod in b.pods(workload):
                pods.append(pod)
                templates[pod.id] = workload.template
        jobs = [cron_job(objects, o["metadata"]["name"]) for o in objects if o.get("kind") == "CronJob"]
        job_pods = [pod for job in jobs for pod in b.pods(job)]
        for pod in (*pods, *job_pods):
            volumes = {v.name for v in pod.volumes}
            for c in (*pod.containers, *pod.init_containers):
                assert c.files or c.host_tools, f"{pod.id}/{c.name}: an image with no stand-in"
                assert c.argv
                for mount in c.mounts:
                    assert mount.volume in volumes, f"{pod.id}/{c.name}: mount of unknown volume {mount.volume}"
                for probe in (c.startup, c.liveness, c.readiness):
                    assert probe is None or 0 < probe.port < 65536
        built += len(pods) + len(job_pods)
        # Services resolve their named target ports from these pods, and the proxy table lists them.
        services = local_services(objects, pods, templates)
        hosts_and_proxy(services, allocate)
    assert built > 0, "the rendered manifests have no workloads"


def test_builder_does_not_mutate_the_template(tmp_path: Path) -> None:
    obj = deployment(spec={"volumes": [{"name": "scratch", "emptyDir": {}}]},
                     containers=[container(env=[{"name": "A", "value": "$(HOSTNAME)"}])])
    before = copy.deepcopy(obj)
    one_pod(tmp_path, obj)
    assert obj == before



def test_workloads_skip_what_does_not_run_here_and_keep_the_rest() -> None:
    collector = deployment(name="karmada-metrics-collector", containers=[
        container(name="collector", image="public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0")])
    (workload,) = workloads([collector, deployment()])
    assert workload.name == "web"


def test_objects_in_absent_namespaces_are_not_applied() -> None:
    from local_control_plane.apply import apply_manifest

    class Client:
        def __init__(self) -> None:
            self.applied: list[str] = []

        def resource_for(self, api_version: str, kind: str):
            return type("Resource", (), {"namespaced": True})()

        def apply(self, resource, name, namespace, obj, manager, force) -> None:
            self.applied.append(f"{namespace}/{name}")

    client = Client()
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role"}
    count = apply_manifest(client, [{**role, "metadata": {"name": "a", "namespace": "cert-manager"}},
                                    {**role, "metadata": {"name": "b", "namespace": "karmada-system"}}])
    assert (count, client.applied) == (1, ["karmada-system/b"])


def test_a_changed_pod_template_annotation_changes_the_pod_as_a_deployment_rollout_would(tmp_path: Path) -> None:
    """A mapping in a ConfigMap reaches its pods through the template's checksum annotation only."""
    before = deployment()
    after = deployment()
    after["spec"]["template"].setdefault("metadata", {})["annotations"] = {"checksum/config": "new"}

    assert one_pod(tmp_path, before) != one_pod(tmp_path, after)
    assert one_pod(tmp_path, before) == one_pod(tmp_path, deployment())
