"""Workloads from your own package named in the config: loaded, built and checked, every problem one exact line."""

from __future__ import annotations

import itertools
import sys
import textwrap
from pathlib import Path

import cdk8s
import pytest

from eks_karmada.config import parse_config
from eks_karmada.workload_checks import WorkloadError
from eks_karmada.workload_sources import PRODUCT_ORIGIN, checked_charts, workload_sources
from workloads import WORKLOADS

MEMBERS = [{"name": "member-use1", "region": "us-east-1"}, {"name": "member-usw2", "region": "us-west-2",
                                                              "vpc_cidr": "10.2.0.0/16"}]
CONTRACT = "functions (app, config) -> cdk8s.Chart | None"
_unique = itertools.count()

GOOD_MODULE = """
from cdk8s import ApiObject, Chart
from charts.policies import ClusterAffinity, Placement, PropagationPolicy, ResourceSelector, add_policy


def web(app, config):
    chart = Chart(app, "web")
    ApiObject(chart, "deployment", api_version="apps/v1", kind="Deployment",
              metadata={"name": "web", "namespace": "default"})
    add_policy(chart, PropagationPolicy(
        name="web", namespace="default",
        resource_selectors=[ResourceSelector(api_version="apps/v1", kind="Deployment", name="web")],
        placement=Placement(cluster_affinity=ClusterAffinity(cluster_names=[m.name for m in config.members])),
    ))
    return chart


def nothing(app, config):
    return None


WORKLOADS = [web, nothing]
"""


def module(tmp_path: Path, source: str) -> str:
    """Write a uniquely named module under tmp_path; returns its name."""
    name = f"user_workloads_{next(_unique)}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    return name


def config(tmp_path: Path, *modules: str, python_path: list[str] | None = None, sample: bool = True):
    return parse_config({
        "members": MEMBERS,
        "sample_workload": {"enabled": sample},
        "workloads": {"python_path": [str(tmp_path)] if python_path is None else python_path,
                      "modules": list(modules)},
    })


def errors(cfg) -> list[str]:
    with pytest.raises(WorkloadError) as raised:
        checked_charts(cdk8s.App(), cfg)
    return list(raised.value.problems)


def test_a_module_named_in_the_config_is_built_after_the_sample_and_checked(tmp_path: Path) -> None:
    name = module(tmp_path, GOOD_MODULE)
    charts = checked_charts(cdk8s.App(), config(tmp_path, name))
    assert [chart.node.id for chart in charts] == ["sample-workload", "web"]
    sources = workload_sources(config(tmp_path, name))
    assert [s.origin for s in sources] == [PRODUCT_ORIGIN, f"workloads.modules[0] ({name})"]
    assert sources[0].functions == tuple(WORKLOADS)


def test_the_product_list_holds_the_sample_only() -> None:
    assert [function.__name__ for function in WORKLOADS] == ["sample_workload"]


def test_an_installed_package_needs_no_python_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    name = module(tmp_path, GOOD_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))  # as `pip install -e` would make it importable
    charts = checked_charts(cdk8s.App(), config(tmp_path, name, python_path=[]))
    assert [chart.node.id for chart in charts] == ["sample-workload", "web"]


BAD_MODULES = [
    pytest.param("WORKLOADS = 'web'\n", "WORKLOADS is a str; make it a list of " + CONTRACT, id="not-a-list"),
    pytest.param("WORKLOADS = [print, 3]\n", "WORKLOADS[1] is a int, not a function; list " + CONTRACT,
                 id="not-callable"),
    pytest.param("web = 1\n", "has no WORKLOADS; define WORKLOADS = [...] in it, a list of " + CONTRACT,
                 id="no-entry-point"),
    pytest.param("import not_installed_anywhere\n", "importing it failed: No module named 'not_installed_anywhere'; "
                 "install what it imports into .venv", id="imports-a-missing-package"),
    pytest.param("def broken(:\n", "importing it failed: SyntaxError: invalid syntax ({file}, line 1); fix the module",
                 id="syntax-error"),
    pytest.param("raise RuntimeError('no region')\n", "importing it failed: RuntimeError: no region; fix the module",
                 id="raises-on-import"),
]


@pytest.mark.parametrize(("source", "message"), BAD_MODULES)
def test_an_unusable_module_is_one_line_naming_it(tmp_path: Path, source: str, message: str) -> None:
    name = module(tmp_path, source)
    expected = message.format(file=f"{name}.py")
    assert errors(config(tmp_path, name)) == [f"workloads.modules[0] ({name}): {expected}"]


def test_a_module_that_cannot_be_found_says_how_to_make_it_importable(tmp_path: Path) -> None:
    assert errors(config(tmp_path, "nowhere_to_be_found.workloads")) == [
        "workloads.modules[0] (nowhere_to_be_found.workloads): cannot import it (No module named "
        "'nowhere_to_be_found'); install it into .venv (pip install -e DIR) or add its directory to "
        "workloads.python_path"]


def test_a_python_path_that_is_no_directory_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "absent"
    assert errors(config(tmp_path, python_path=[str(missing)])) == [
        f"workloads.python_path[0]: '{missing}' is not a directory (looked at {missing}); fix the path (relative "
        "paths start where make or cdk runs)"]


def test_every_unusable_module_is_reported_at_once(tmp_path: Path) -> None:
    first, second = module(tmp_path, "x = 1\n"), module(tmp_path, "WORKLOADS = {}\n")
    found = errors(config(tmp_path, first, "absent_module_x", second))
    assert [line.split(":")[0] for line in found] == [
        f"workloads.modules[0] ({first})", "workloads.modules[1] (absent_module_x)", f"workloads.modules[2] ({second})"]


BAD_FUNCTIONS = [
    pytest.param("def web(app, config):\n    return 'chart'\n",
                 "web: returned str; return a cdk8s.Chart, or None for nothing", id="returns-no-chart"),
    pytest.param("def web(app, config):\n    raise KeyError('region')\n",
                 "web: raised KeyError: 'region'; fix the function", id="raises"),
    pytest.param("from charts.policies import PropagationPolicy, ResourceSelector\n"
                 "def web(app, config):\n    PropagationPolicy(name='Web', namespace='default', resource_selectors="
                 "[ResourceSelector(api_version='v1', kind='Service', name='web')])\n",
                 "web: PropagationPolicy Web: metadata.name: 'Web' is not a DNS-1123 subdomain (lowercase letters, "
                 "digits, '-' and '.', starting and ending with a letter or digit); use a name like 'nginx-weighted'",
                 id="policy-error-as-is"),
]


@pytest.mark.parametrize(("source", "message"), BAD_FUNCTIONS)
def test_a_function_that_fails_is_one_line_naming_it(tmp_path: Path, source: str, message: str) -> None:
    name = module(tmp_path, source + "WORKLOADS = [web]\n")
    assert errors(config(tmp_path, name)) == [f"workloads.modules[0] ({name}) {message}"]


def test_malformed_objects_of_every_chart_are_reported(tmp_path: Path) -> None:
    name = module(tmp_path, """
        from cdk8s import ApiObject, Chart
        def one(app, config):
            chart = Chart(app, "one")
            ApiObject(chart, "d", api_version="apps/v1", kind="Deployment", metadata={"name": "Web"})
            return chart
        def two(app, config):
            chart = Chart(app, "two")
            ApiObject(chart, "n", api_version="v1", kind="Namespace", metadata={"name": "x", "namespace": "y"})
            return chart
        WORKLOADS = [one, two]
        """)
    found = errors(config(tmp_path, name, sample=False))
    assert [line.split(": ")[0] for line in found] == ["KarmadaWorkloads/one", "KarmadaWorkloads/two"]


def test_your_chart_at_odds_with_the_sample_is_caught(tmp_path: Path) -> None:
    name = module(tmp_path, """
        from cdk8s import ApiObject, Chart
        def clash(app, config):
            chart = Chart(app, "clash")
            ApiObject(chart, "s", api_version="v1", kind="Service", metadata={"name": "sample-nginx",
                      "namespace": "eks-karmada-sample"})
            return chart
        WORKLOADS = [clash]
        """)
    assert errors(config(tmp_path, name)) == [
        "KarmadaWorkloads/clash: Service eks-karmada-sample/sample-nginx: defined twice (also in "
        "KarmadaWorkloads/sample-workload); keep one definition, the second would overwrite the first at deploy"]


@pytest.fixture(autouse=True)
def _restore_sys_path():
    saved = list(sys.path)
    yield
    sys.path[:] = saved
