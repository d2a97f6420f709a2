"""`eks-karmada --version`: the package version and the pinned upstream defaults."""

from __future__ import annotations

from importlib import metadata

from eks_karmada.config import Versions


def test_version_prints_the_package_and_the_pinned_defaults(world):
    result = world.invoke("--version")
    assert result.exit_code == 0, result.output
    pinned = Versions()
    assert result.stdout.splitlines() == [
        f"eks-karmada {metadata.version('eks-karmada')}",
        f"defaults (config versions.*): Karmada {pinned.karmada}, Kubernetes {pinned.kubernetes} (EKS), "
        f"kube-apiserver and kube-controller-manager {pinned.kube_components}, etcd {pinned.etcd}",
    ]
    assert "v1.18.2" in result.stdout and "1.35" in result.stdout


def test_short_flag_and_precedence_over_commands(world):
    assert world.invoke("-V").stdout == world.invoke("--version").stdout
    # Eager: no command runs, no config is read (a missing config does not matter).
    result = world.invoke("--version", "cost", "--config", "/nonexistent.yaml")
    assert result.exit_code == 0 and result.stdout.startswith("eks-karmada ")


def test_without_version_the_commands_still_run(world):
    result = world.invoke("cost", "--json")
    assert result.exit_code == 0, result.output
    assert not result.stdout.startswith("eks-karmada ")
