"""The core modules `make mutate` measures, each with the focused tests that must pin it down."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Target:
    """One module under mutation and the tests run against each of its mutants."""

    module: str
    """Path of the module, relative to the project root."""
    tests: tuple[str, ...]
    """pytest arguments that select the focused tests (files, directories, ``--ignore=…``)."""
    minimum: float = 90.0
    """Lowest acceptable score, in percent of the non-equivalent mutants. Default: 90."""
    timeout: float = 900.0
    """Seconds the module's run may take before it is cut off (and reported incomplete). Default: 900."""

    @property
    def package(self) -> str:
        """The top-level package the module lives in."""
        return self.module.split("/", 1)[0]

    @property
    def slug(self) -> str:
        """A file-system name for the module's work directory."""
        return self.module.removesuffix(".py").replace("/", ".")


# The chart modules are measured against tests that call their pure builders: the render-based chart
# tests go through jsii (one node process per Python process, which forked mutant workers would share)
# and cache each render per process, so a forked worker would read the parent's unmutated render.
TARGETS: tuple[Target, ...] = (
    Target(module="eks_karmada/config.py", tests=("tests/test_config.py", "tests/test_config_rules.py")),
    Target(
        module="charts/policies/validation.py",
        tests=("tests/policies/test_validation.py", "tests/policies/test_validation_exact.py"),
    ),
    # The KarmadaManifest handler, split by responsibility (issue 19; rollback: issue 13): each part against the
    # same tests.
    *(
        Target(
            module=f"functions/karmada_manifest/{part}.py",
            tests=(
                "tests/functions/test_handler.py",
                "tests/functions/test_handler_source.py",
                "tests/functions/test_handler_rules.py",
                "tests/functions/test_handler_reports.py",
                "tests/functions/test_handler_rollback.py",
            ),
        )
        for part in ("properties", "desired", "run", "rollback", "handler")
    ),
    # About 1750 mutants, each against the handler tests that reach it: 18 min on an idle 2-core machine.
    Target(module="functions/member_registration/handler.py", tests=("tests/registration",), timeout=3600.0),
    Target(module="charts/karmada/apiserver.py", tests=("tests/charts/test_apiserver_meaning.py",)),
    Target(module="charts/karmada/etcd.py", tests=("tests/charts/test_etcd_meaning.py",)),
)
