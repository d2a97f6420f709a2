"""Writes docs/cli.md from real runs of the CLI against the test fixtures, so the docs cannot drift.

Run: `.venv/bin/python -m tests.cli.doc_examples > docs/cli.md` (tests/cli/test_docs.py checks it is current).
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from eks_karmada.bundled_node import use_bundled_node
from eks_karmada.config import DEFAULT_CONFIG_PATH
from tests.cli.harness import World, admin_secret, member_cluster, pki, workload, world

# Start jsii (and load cdk8s' assemblies) now, under the real HOME: the kernel caches packages under $HOME, and
# each scenario runs with a temporary HOME that is deleted afterwards.
use_bundled_node()
import cdk8s  # noqa: E402,F401

Scenario = Callable[[World], None]


def _clean(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.rstrip("\n").splitlines())


def _run(args: list[str], setup: Scenario = lambda w: None, files: dict[str, str] | None = None) -> str:
    """`$ eks-karmada ARGS`, then what it printed (stdout, then stderr) and its exit code."""
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        with world(home) as w:
            for name, text in (files or {}).items():
                (home / name).write_text(text.replace("~/", f"{home}/"))
            setup(w)
            result = w.invoke(*[a.replace("~/", f"{home}/") for a in args])
            w.assert_stubs_used()
    shown = ["$ eks-karmada " + " ".join(args)]
    for stream in (result.stdout, result.stderr):
        if stream.strip():
            shown.append(_clean(stream).replace(str(home), "~"))
    shown.append(f"# exit code {result.exit_code}")
    return "```console\n" + "\n".join(shown) + "\n```"


def _help(command: str) -> str:
    args = [*command.split(), "--help"]
    with tempfile.TemporaryDirectory() as tmp, world(Path(tmp)) as w:
        result = w.invoke(*args)
    return "```console\n$ eks-karmada " + " ".join(args) + "\n" + _clean(result.stdout) + "\n```"


# ---- scenarios ---------------------------------------------------------------------------------------------


def _deployed(w: World) -> None:
    w.deployed()
    w.expect_stack()


def _no_access_entry(w: World) -> None:
    w.deployed()
    w.expect_stack()
    w.parent.fail_next(401)


def _not_a_karmada_user(w: World) -> None:
    w.deployed()
    w.expect_stack()
    w.authenticator.mapping.clear()


def _degraded(w: World) -> None:
    w.deployed(members=("member-use1",))
    w.parent.put(workload("Deployment", "karmada-scheduler", 2, 1))
    w.expect_stack()


def _blocked(w: World) -> None:
    w.bootstrapped("us-east-1", version=30)
    w.not_bootstrapped("us-west-2")
    w.use_elastic_ips("us-east-1", 2)
    w.nat_gateway_in("us-east-1a")
    w.default_quotas("us-east-1", nat_zones=3)
    w.default_quotas("us-west-2", nat_zones=1)


def _ready(w: World) -> None:
    w.bootstrapped("us-east-1")
    w.bootstrapped("us-west-2")
    w.default_quotas("us-east-1", nat_zones=3)
    w.default_quotas("us-west-2", nat_zones=1)


EDGE_CONFIG = """api_endpoint: {scheme: internet-facing, allowed_cidrs: [198.51.100.0/24]}
members:
  - {name: edge-1, kind: external, sync_mode: Pull}
"""


SHOP_CONFIG = """\
members:
  - {name: member-use1, region: us-east-1, vpc_cidr: 10.1.0.0/16}
  - {name: prod-eu, kind: existing, region: eu-west-1, cluster_name: prod-eu,
     kubectl_network: {subnet_ids: [subnet-0a1b2c3d, subnet-0a1b2c3e]}}
sample_workload:
  members: [member-use1, prod-eu]
workloads:
  python_path: [~/]
  modules: [shop_workloads]
"""
SHOP_MODULE = """\
from cdk8s import Chart
from charts.policies import ClusterAffinity, Placement, PropagationPolicy, ResourceSelector, add_policy


def shop(app, config):
    chart = Chart(app, "shop")
    add_policy(chart, PropagationPolicy(
        name="shop-api", namespace="shop",
        resource_selectors=[ResourceSelector(api_version="apps/v1", kind="Deployment", name="shop-api")],
        placement=Placement(cluster_affinity=ClusterAffinity(cluster_names=["member-us-west-2"])),
    ))
    return chart


WORKLOADS = [shop]
"""


def _edge(w: World) -> None:
    w.deployed(members=())
    secret = admin_secret(pki())
    secret["metadata"]["name"] = "karmada-agent-edge-1-client"
    w.parent.put(secret)
    w.expect_stack()


DEFAULT_TEXT = DEFAULT_CONFIG_PATH.read_text()


def _one_member(w: World) -> None:
    w.deployed(members=("member-use1",))
    w.expect_stack()


def _failover(w: World) -> None:
    w.sample_bound()
    w.expect_stack()


def _other_not_ready(w: World) -> None:
    w.sample_bound()
    w.karmada.put(member_cluster("member-usw2", region="us-west-2", ready=False))
    w.expect_stack()


SNAPSHOT = (Path(__file__).parent / "data" / "etcd-3.6.6-snapshot.db.gz")
BACKUP_BUCKET = "karmadaparent-etcdbackupbucketa1b2c3-0123456789ab"


def _snapshots(w: World) -> None:
    import gzip

    s3 = w.aws("s3", "us-east-1")
    s3.create_bucket(Bucket=BACKUP_BUCKET)
    for stamp in ("20261124T000000Z", "20261124T060000Z"):
        s3.put_object(Bucket=BACKUP_BUCKET, Key=f"etcd-snapshots/karmada-parent/{stamp}.db",
                      Body=gzip.decompress(SNAPSHOT.read_bytes()), ChecksumAlgorithm="SHA256")
    w.expect_stack(outputs={"KarmadaApiEndpoint": "https://k8s-karmada-apiserver-0123456789.elb.us-east-1"
                            ".amazonaws.com:443", "EtcdBackupBucketName": BACKUP_BUCKET})


def render() -> str:
    parts = [
        """# `eks-karmada`: the operator's command

<!-- Generated by `.venv/bin/python -m tests.cli.doc_examples > docs/cli.md` from runs of the CLI
against the test fixtures (moto, botocore Stubbers, the fake Kubernetes API); a test keeps it current. -->

One console command for the deployment this CDK app makes: a kubeconfig for the Karmada API,
the health of the control plane and the members, a pre-deploy check, a cost estimate, and a check of
the config and workloads without a synth.
`make setup` installs it into the venv (`.venv/bin/eks-karmada`); `python -m eks_karmada.cli` runs
the same thing.

```console
$ .venv/bin/eks-karmada kubeconfig                      # then: kubectl --context karmada get clusters
$ .venv/bin/eks-karmada status                          # exit 3 when something is unhealthy
$ .venv/bin/eks-karmada preflight --profile deployer    # before make deploy; exit 3 when something blocks
$ .venv/bin/eks-karmada cost                            # bundled prices; --live asks the Price List API
$ .venv/bin/eks-karmada validate my.yaml                 # config + workloads, every error, no synth
$ .venv/bin/eks-karmada members                         # add|remove NAME: edit the config, deploy only its stacks
$ .venv/bin/eks-karmada drill failover --member member-usw2  # taint it as Karmada would, time, restore
$ .venv/bin/eks-karmada drill restore --dry-run          # the newest etcd snapshot reads, its restore renders
```

## Shared behaviour

* **Config**: every command takes `--config PATH` / `-c PATH` (or `$CONFIG`, like `make synth`),
  default `config/default.yaml`, read by the app's own loader: a bad file gives the lines
  `make synth` prints, one per problem in the file, e.g. `error: my.yaml: karmada.etcd_replicas: 4
  etcd replicas tolerate no more failures than 3; use an odd number such as 3 or 5`.
* **AWS identity**: your own credentials: `--profile NAME` (or `$AWS_PROFILE`), else the usual
  chain. Regions come from the config; `kubeconfig` and `status` take `--region` to override the
  parent's.
* **Errors** are one line on stderr, `error: ...`, naming the fix, never a stack trace (set
  `EKS_KARMADA_DEBUG=1` to see one). Slow AWS and Kubernetes calls show a spinner on stderr.
* **Exit codes**: `0` fine; `1` an error stopped the command (config, credentials, AWS, Kubernetes,
  file); `2` bad usage; `3` the command ran and found problems (`status`: unhealthy or a member
  missing; `preflight`: something blocks the deploy).

""" + _help(""),
        """## `kubeconfig`

Writes a context for the Karmada API into your kubeconfig. The context holds **no credential**:
whoever uses it signs in to the Karmada API as their own IAM identity, exactly as with EKS, and
`karmada.access.users` (plus `parent.admin_role_arns` and the deployer, as admins) decides who gets in
and with which groups ([access.md](access.md#who-is-cluster-admin)).

* **server**: the `KarmadaParent` stack's `KarmadaApiEndpoint` output (the NLB, TLS passthrough on
  443), or `https://<api_endpoint.custom_domain>:443` when the config sets one;
* **CA**: the Karmada CA certificate (public, no key), read now from the ConfigMap
  `karmada-system/karmada-ca-bundle` on the parent cluster;
* **user**: an `exec` plugin, `aws eks get-token --cluster-name <parent.cluster_name>-karmada
  --region <parent region> --output json` (the cluster id the Karmada API's aws-iam-authenticator
  expects, so a token for the parent EKS cluster is refused there), with `AWS_PROFILE` set when you
  pass `--profile`, and `--role-arn` passed on to `get-token` when you pass it. kubectl runs it
  whenever it needs a token.

Reading the CA goes through the EKS API of the parent as **your** IAM identity:

1. `sts:GetCallerIdentity` (who you are, for the messages);
2. `cloudformation:DescribeStacks` on `KarmadaParent` (skipped with a custom domain);
3. `eks:DescribeCluster` on the parent (endpoint and CA), then an EKS bearer token (a presigned
   `GetCallerIdentity`, made locally) on every request: your identity needs an **EKS access entry**
   on the parent with an access policy that can read that ConfigMap (e.g.
   `AmazonEKSClusterAdminPolicy`; list roles in `parent.admin_role_arns` to get one at deploy time).
   Without one, EKS answers 401 and the command says how to add it.

`--verify` lists the Karmada clusters first, as your IAM identity. The file (default `~/.kube/config`)
is merged: other clusters, users and contexts stay, entries with the same names are replaced (a
`<context>-admin` user holding the admin certificate, which earlier versions wrote, is removed once no
context uses it), the current context changes only with `--set-current` (or when the file has none),
and the file is written atomically with mode 0600. The context itself may be shared. From the Karmada
API, **HTTP 401** means your identity is not in `karmada.access.users` (nor `parent.admin_role_arns`):
ask an admin to add it and redeploy; **HTTP 403** means you signed in but your groups lack that right
(`eks-karmada:viewers` only read, `eks-karmada:editors` change namespaced objects,
`eks-karmada:admins` do everything).

""" + _help("kubeconfig") + "\n\nAfter a deploy:\n\n" + _run(["kubeconfig"], _deployed)
        + "\n\nWithout an EKS access entry on the parent:\n\n" + _run(["kubeconfig"], _no_access_entry)
        + "\n\nWith `--verify`, as an identity that is not in `karmada.access.users`:\n\n"
        + _run(["kubeconfig", "--verify"], _not_a_karmada_user),
        """## `status`

Reaches the parent the same way as `kubeconfig` (EKS token), and the Karmada API as your IAM
identity too (the CA from `karmada-system/karmada-ca-bundle`, a token for the Karmada cluster id on
every request, mapped by `karmada.access.users`), then shows:

* **member clusters** from the Karmada API (`cluster.karmada.io/v1alpha1` Clusters): sync mode,
  the `Ready` condition, `status.kubernetesVersion`, ready/total nodes, and every configured member
  that is not registered at all;
* **control-plane components**: every Deployment and StatefulSet in `karmada-system` on the parent,
  ready vs desired replicas, and the expected ones that are missing (optional components and
  scheduler estimators per the config).

Exit code 3 when a configured member is missing or not ready or a component is short of replicas;
1 when it could not look (the parent's table is still shown when only the Karmada API is out of
reach, e.g. from outside the VPC while `api_endpoint.scheme` is `internal`).

""" + _help("status") + "\n\nAll healthy:\n\n" + _run(["status"], _deployed)
        + "\n\nOne member never registered, one scheduler replica down:\n\n" + _run(["status"], _degraded),
        """## `preflight`

Before `make deploy`, checks what would stop it, in the caller's account:

* **credentials**: `sts:GetCallerIdentity`;
* **CDK bootstrap** of every account/region a stack of the config deploys to (`KarmadaEgress`,
  `KarmadaParent`, each `KarmadaMember-<name>`): the `CDKToolkit` stack is in a usable state and
  the SSM parameter `/cdk-bootstrap/hnb659fds/version` is at least 21 (`--min-bootstrap-version`;
  the templates themselves insist on 6, the pinned CDK CLI bootstraps newer still). Fix:
  `npx cdk bootstrap aws://ACCOUNT/REGION`. Environments in other accounts are reported as not
  checked (run preflight again with credentials there);
* **service quotas** per region, current usage plus what the config adds (a cluster that already
  exists is an update and adds nothing): VPCs per Region (`vpc`/`L-F678F1CE`, one per cluster),
  EC2-VPC Elastic IPs (`ec2`/`L-0263D0A3`, one per NAT gateway, including the parent's fixed
  egress addresses), NAT gateways per Availability Zone (`vpc`/`L-FE5A380F`, per AZ that gets
  one) and EKS clusters (`eks`/`L-1194D53C`). The applied value comes from Service Quotas (the
  AWS default when none is applied). Fix: free capacity, or
  `aws service-quotas request-service-quota-increase ...` as printed.

* **cluster admins**: someone you can sign in as gets an EKS access entry: you, through
  `make deploy` (`eks-karmada whoami`), or `parent.admin_role_arns`. It blocks when nobody would
  ([access.md](access.md#who-is-cluster-admin));
* **reachability** of the parent's EKS API and the Karmada API from where you run it: once deployed,
  a 3-second TCP connect test; before, what the config promises (a private endpoint or an internal
  NLB in a VPC this deploy creates blocks; `--connect-later` makes it a warning when you will connect
  a network to that VPC after the deploy) ([access.md](access.md#reaching-the-apis));
* **existing VPCs** (`existing_vpc`): the VPC and its CIDR, each subnet in it and in its zone, private
  subnets without a route to an internet gateway, public ones with one, and the load balancer
  controller's subnet tags ([access.md](access.md#an-existing-vpc));
* **an existing member's kubectl subnets** (`members[].kubectl_network`): each in the cluster's VPC
  and without a route to an internet gateway, two zones or more, and the cluster's private endpoint
  on; a subnet without a default route is a warning (the AWS APIs then need VPC endpoints)
  ([operations.md](operations.md#existing-members)).

Permissions: `sts:GetCallerIdentity`, `cloudformation:DescribeStacks`, `ssm:GetParameter`,
`servicequotas:GetServiceQuota`, `servicequotas:GetAWSDefaultServiceQuota`, `ec2:DescribeVpcs`,
`ec2:DescribeAddresses`, `ec2:DescribeNatGateways`, `ec2:DescribeSubnets`,
`ec2:DescribeRouteTables`, `eks:ListClusters`, `eks:DescribeCluster`, `iam:GetRole`.

""" + _help("preflight") + "\n\nReady (you will connect a network to the new VPC after the deploy):\n\n" \
        + _run(["preflight", "--connect-later"], _ready)
        + "\n\nTwo blockers (us-west-2 not bootstrapped; three Elastic IPs already in use in us-east-1):\n\n"
        + _run(["preflight", "--profile", "deployer"], _blocked),
        """## `cost`

A monthly estimate (730 hours, on-demand, USD) of what the config deploys:

| service | what is counted |
| --- | --- |
| EKS | one control plane per cluster (the parent and each `new` member), standard support |
| EC2 | each node group's `desired_size` of its first instance type (what a managed node group launches for on-demand capacity) |
| EBS | gp3: node root volumes (`root_volume_gib`), one etcd volume per replica (`etcd_volume_gib`), and the StorageClass's IOPS above 3,000 and throughput above 125 MiB/s per etcd volume |
| ELB | the Karmada API's NLB per hour, plus `--nlb-lcus` capacity units per hour (default 1) |
| NAT gateway | per hour for each NAT gateway (the parent's `nat_gateways`, each new member's), plus `--nat-gb` GB processed per cluster a month (default 50) |
| Public IPv4 | one address per NAT gateway, plus one per AZ when the NLB is internet-facing |

`existing` and `external` members cost nothing here (this app does not create them). Not included:
data transfer (cross-AZ, inter-region, internet), CloudWatch Logs (VPC flow logs, EKS
control-plane logs), KMS keys, Lambda, S3 and snapshots.

Prices come from a bundled table (`eks_karmada/cli/prices.py`, with the date they were recorded;
us-east-1 and us-west-2; other regions use us-east-1's with a warning), or with `--live` from the
AWS Price List API (`pricing:GetProducts` at `--pricing-region`, default us-east-1), falling back
to the bundled price, with a warning, for anything it does not find. `--json` prints the same
estimate as JSON.

**The default config** (parent + 2 members = 3 clusters, 7 × m6i.large) comes to about
**952 USD a month**: EKS 219.00 + EC2 490.56 + EBS 32.80 + NLB 20.81 + NAT gateways 171.00 +
public IPv4 18.25. The compute part alone, control planes, nodes and etcd volumes, is about 714 USD
a month (219.00 + 490.56 + 4.80 = 714.36). The rest is the
network this app builds for production: five NAT gateways (three in the parent, one per AZ, so
etcd's zones stay independent; one per member) with their addresses, the NLB, and the nodes' root
volumes. Fewer NAT gateways (`nat_gateways: 1` on the parent saves 65.70 + 7.30 a month) trade
away that zone independence.

"""  # noqa: E501 - the markdown table rows of docs/cli.md are one line each
        + _help("cost") + "\n\nThe default config:\n\n" + _run(["cost"]),
        """## `validate`

Checks a config and the workloads it deploys exactly as `make synth` does, without synthesizing the CDK app
(seconds, no AWS, no credentials), and prints **every** problem, one line each, then exits 1; or a one-line
summary and exit 0. `CONFIG` is a positional argument here (or `--config`, or `$CONFIG`).

1. The config: the same loader and messages as `make synth` (and its warnings).
2. The workloads: the sample and every module in `workloads.modules` (docs/policies.md,
   "Add your own workloads and policies"): a module that cannot be imported or has no `WORKLOADS` list, a
   function that raises or returns no chart; then each object alone (apiVersion, kind, names, namespaces of
   cluster-scoped kinds, Secrets without data); then the workloads against the config and each other: cluster
   names in policies are members, namespaces exist or are created, resource selectors select an object of the
   workloads, no object is defined twice.

""" + _help("validate") + "\n\nThe default config:\n\n" + _run(["validate"])
        + "\n\nYour own module (docs/policies.md) with three mistakes:\n\n" + _run(
            ["validate", "~/shop.yaml"], files={"shop.yaml": SHOP_CONFIG, "shop_workloads.py": SHOP_MODULE}),
        """## `agent-bundle`

For a Pull member outside AWS (`kind: external`, nothing of it in CloudFormation): writes to a file what
to apply to that cluster so its karmada-agent joins Karmada. The `KarmadaRegistration-<name>` stack
has already authorised the agent's identity (`system:karmada:agent:<name>`) in Karmada, and
cert-manager on the parent has issued its client certificate (`karmada-system/karmada-agent-<name>-client`).
The bundle is the agent's namespace, ServiceAccount, RBAC, Deployment and PodDisruptionBudget (the same
objects as `cdk.out/manifests/member-<name>.yaml`) plus the Secret `karmada-system/karmada-kubeconfig`
with that certificate and the Karmada API address. It holds a private key, so `--output` is required
(the file is mode 0600; nothing goes to standard output): apply it with
`kubectl --context <member> apply -f FILE`, then delete the file.

""" + _help("agent-bundle") + "\n\nFor an external member:\n\n" + _run(
            ["agent-bundle", "edge-1", "--cluster-api-endpoint", "https://10.9.0.1:6443", "--config", "~/edge.yaml",
             "--output", "~/edge-bundle.yaml"], _edge, files={"edge.yaml": EDGE_CONFIG}),
        """## `members`

Lists the configured members with their status in Karmada (reached like `status`; the config alone,
with a note, when the Karmada API is out of reach or with `--offline`), and adds or removes one in a
single command. `add` and `remove` edit the config file in place, keeping its comments, order and
quoting, after validating the edited config with the app's own loader (nothing is written when it
is wrong), and deploy only the stacks concerned with `make deploy STACKS="..."` (`--run`; else
printed). Removal destroys the member's stacks first, while it is still in the config, registration
first: Karmada then unjoins it and removes what it propagated there
([operations.md](operations.md#remove) says exactly what happens to the workloads).

""" + _help("members") + "\n\n" + _help("members add") + "\n\n" + _help("members remove")
        + "\n\nAfter a deploy, one member never registered:\n\n" + _run(["members"], _one_member)
        + "\n\nAdding a member:\n\n" + _run(
            ["members", "add", "member-euw1", "--region", "eu-west-1", "--vpc-cidr", "10.3.0.0/16", "--config",
             "~/my.yaml"], files={"my.yaml": DEFAULT_TEXT})
        + "\n\nRemoving one (the steps; `--run` runs them):\n\n" + _run(
            ["members", "remove", "member-usw2", "--config", "~/my.yaml"], files={"my.yaml": DEFAULT_TEXT}),
        """## `drill`

Rehearsals of what a platform team must be able to trust
([operations.md](operations.md#drills) says when to run them and what to look at).

**`drill failover --member NAME`** does to a Ready member what Karmada does to a NotReady one: it adds the
failover ClusterTaintPolicy's taint `cluster.karmada.io/not-ready:NoExecute` (with `timeAdded`, and the
annotation `eks-karmada/failover-drill`) to its `Cluster`, so the real taint manager evicts every binding
that does not tolerate it (at once, or after its `tolerationSeconds`) and the real scheduler places the
replicas on the other members. The drill lists the ResourceBindings and ClusterResourceBindings placed on
the member first (the ones that tolerate the taint for ever stay, and are named), asks, then prints each
binding as it leaves and where it went, and the time from the taint to the last one placed elsewhere. Then,
always (timeout, error, Ctrl-C, SIGTERM), it removes exactly the taint it added, and reschedules the moved
bindings (`spec.rescheduleTriggeredAt`, what a WorkloadRebalancer does: Karmada does not move divided
replicas back by itself) and waits until each is placed again. It refuses, changing nothing, when the member
is unknown or not Ready, is the only Ready member, another member is not Ready, the member already has that
taint, or a binding tolerates it for longer than `--timeout`. It reaches the Karmada API like `status`, or
with `--kubeconfig`: a context such as `kubeconfig` writes (its `exec` user runs, as kubectl runs it, and
its token is kept until shortly before it expires), a `token` or `tokenFile` user, or a client certificate
(the break-glass admin certificate, or the local control plane's).

**`drill restore --dry-run`** downloads the newest `etcd-snapshots/<parent cluster>/<timestamp>.db` from the
backup bucket (the `EtcdBackupBucketName` output, or `--bucket`) and checks it without an etcd binary: the
SHA-256 etcd appends, then the bbolt database (both meta pages, every page of every bucket) and the MVCC
`key` bucket, giving the revision and key count `etcdutl snapshot status` gives. It then renders the restore
of that snapshot exactly as `python -m charts.etcd_backup restore` does (`-o` writes it), and applies
nothing. Without `--dry-run` it refuses and points to [backup-restore.md](backup-restore.md).

""" + _help("drill failover") + "\n\n" + _help("drill restore")
        + "\n\nA failover drill (the sample tolerates nothing here; `make local`'s tolerates 120 s):\n\n"
        + _run(["drill", "failover", "--member", "member-use1", "--yes"], _failover)
        + "\n\nRefused while the other member is not Ready:\n\n"
        + _run(["drill", "failover", "--member", "member-use1"], _other_not_ready)
        + "\n\nThe restore dry run:\n\n" + _run(["drill", "restore", "--dry-run"], _snapshots),
        """## `whoami`

Prints the IAM principal an EKS access entry for you names: an assumed-role session becomes its role,
with its path from `iam:GetRole`. `make deploy` and `make diff` pass it as `-c deployer_arn=...`, so
whoever deploys is cluster admin on the parent and every new member
([access.md](access.md#who-is-cluster-admin)); with `parent.deployer_access: false` it prints nothing.

""" + _help("whoami") + "\n\n" + _run(["whoami"]),
    ]
    return "\n\n".join(parts) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
