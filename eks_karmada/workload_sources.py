"""Where the workload charts come from: the product's sample, then the modules the config names.

`workloads.WORKLOADS` holds the product's own sample. Your workloads live in your own package (its own
repository, its own tests and snapshots), named in the config:

    workloads:
      python_path: [../platform-workloads]        # optional: directories searched first
      modules: [mycompany.karmada_workloads]      # each defines WORKLOADS = [function, ...]

Each function is `(app: cdk8s.App, config: AppConfig) -> cdk8s.Chart | None`, the contract of
`workloads.WORKLOADS`. A module that cannot be imported, has no usable WORKLOADS list, or a function that
raises or returns something else, is one line naming `workloads.modules[i]` and the fix; every such line is
collected before `WorkloadError` is raised, so one run shows them all.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cdk8s

from eks_karmada.config import AppConfig
from eks_karmada.manifest_checks import ManifestError, check_manifest
from eks_karmada.workload_checks import WorkloadError, WorkloadManifest, check_workloads
from workloads import WORKLOADS, Workload

PRODUCT_ORIGIN = "workloads.WORKLOADS"
ENTRY_POINT = "WORKLOADS"
CHART_PATH_PREFIX = "KarmadaWorkloads"
_CONTRACT = "functions (app, config) -> cdk8s.Chart | None"


@dataclass(frozen=True)
class WorkloadSource:
    """One list of workload functions and how messages name it."""

    origin: str
    """e.g. "workloads.WORKLOADS" or "workloads.modules[0] (mycompany.karmada_workloads)"."""
    functions: tuple[Workload, ...]
    """The functions, in order."""


def workload_sources(config: AppConfig, product: Sequence[Workload] | None = None) -> list[WorkloadSource]:
    """The product's WORKLOADS (or ``product``), then each configured module's; WorkloadError lists every problem."""
    sources = [WorkloadSource(PRODUCT_ORIGIN, tuple(WORKLOADS if product is None else product))]
    problems = list(_add_python_path(config.workloads.python_path))
    for index, name in enumerate(config.workloads.modules):
        origin = f"workloads.modules[{index}] ({name})"
        functions, problem = _entry_point(origin, name)
        if problem:
            problems.append(problem)
        else:
            sources.append(WorkloadSource(origin, functions))
    if problems:
        raise WorkloadError(problems)
    return sources


def build_charts(app: cdk8s.App, config: AppConfig, sources: Sequence[WorkloadSource]) -> list[cdk8s.Chart]:
    """Call every workload function; WorkloadError lists each one that raised or returned a non-chart."""
    charts: list[cdk8s.Chart] = []
    problems: list[str] = []
    for source in sources:
        for function in source.functions:
            where = f"{source.origin} {getattr(function, '__qualname__', repr(function))}"
            try:
                chart = function(app, config)
            except ValueError as err:  # PolicyError and ManifestError are one line already
                problems.append(f"{where}: {_one_line(err)}")
                continue
            except Exception as err:  # noqa: BLE001 - your code: report it in one line, with the rest
                problems.append(f"{where}: raised {type(err).__name__}: {_one_line(err)}; fix the function")
                continue
            if chart is None:
                continue
            if not isinstance(chart, cdk8s.Chart):
                problems.append(f"{where}: returned {type(chart).__name__}; return a cdk8s.Chart, or None for nothing")
                continue
            charts.append(chart)
    if problems:
        raise WorkloadError(problems)
    return charts


def manifests_of(charts: Sequence[cdk8s.Chart]) -> list[WorkloadManifest]:
    """Each chart's rendered objects, named as the KarmadaWorkloads stack names its KarmadaManifest."""
    return [WorkloadManifest(f"{CHART_PATH_PREFIX}/{chart.node.id}", tuple(chart.to_json())) for chart in charts]


def checked_charts(app: cdk8s.App, config: AppConfig, product: Sequence[Workload] | None = None) -> list[cdk8s.Chart]:
    """Load, build and check every workload chart: each object alone, then against the config and each other.

    Raises WorkloadError with every problem found at the first stage that found any.
    """
    charts = build_charts(app, config, workload_sources(config, product))
    manifests = manifests_of(charts)
    malformed = []
    for manifest in manifests:
        try:
            check_manifest(list(manifest.objects), manifest.source)
        except ManifestError as err:
            malformed.append(str(err))
    if malformed:
        raise WorkloadError(malformed)
    check_workloads(manifests, [member.name for member in config.members])
    return charts


def _add_python_path(directories: Sequence[str]) -> list[str]:
    problems = []
    for index, directory in enumerate(directories):
        path = Path(directory).expanduser().resolve()
        if not path.is_dir():
            problems.append(f"workloads.python_path[{index}]: '{directory}' is not a directory (looked at {path}); "
                            "fix the path (relative paths start where make or cdk runs)")
        elif str(path) not in sys.path:
            sys.path.insert(0, str(path))
    return problems


def _entry_point(origin: str, name: str) -> tuple[tuple[Workload, ...], str | None]:
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as err:
        if err.name and (name == err.name or name.startswith(err.name + ".")):
            return (), (f"{origin}: cannot import it ({_one_line(err)}); install it into .venv (pip install -e DIR) "
                        "or add its directory to workloads.python_path")
        return (), f"{origin}: importing it failed: {_one_line(err)}; install what it imports into .venv"
    except Exception as err:  # noqa: BLE001 - your module's own error, in one line
        return (), f"{origin}: importing it failed: {type(err).__name__}: {_one_line(err)}; fix the module"
    functions = getattr(module, ENTRY_POINT, None)
    if functions is None:
        return (), f"{origin}: has no {ENTRY_POINT}; define {ENTRY_POINT} = [...] in it, a list of {_CONTRACT}"
    if not isinstance(functions, list | tuple):
        return (), (f"{origin}: {ENTRY_POINT} is a {type(functions).__name__}; make it a list of {_CONTRACT}")
    for index, function in enumerate(functions):
        if not callable(function):
            return (), (f"{origin}: {ENTRY_POINT}[{index}] is a {type(function).__name__}, not a function; "
                        f"list {_CONTRACT}")
    return tuple(functions), None


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())
