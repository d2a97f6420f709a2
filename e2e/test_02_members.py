"""Scenario 2: both members registered by our handler, Ready, with provider, region and zones."""

from __future__ import annotations


def test_members_are_ready_with_their_placement_facts(env, karmada):
    clusters = {c["metadata"]["name"]: c for c in karmada.json("get", "clusters")["items"]}
    assert sorted(clusters) == sorted(env.member_names)
    for name, cluster in clusters.items():
        expected = env.config[name]
        spec = cluster["spec"]
        assert spec["syncMode"] == expected["sync_mode"], name
        assert spec["provider"] == "aws" and spec["region"] == expected["region"], name
        assert spec["zones"] == expected["zones"], name
        ready = next(c for c in cluster["status"]["conditions"] if c["type"] == "Ready")
        assert ready["status"] == "True", (name, ready)
        assert cluster["status"]["kubernetesVersion"] == "v1.35.2", name
        assert cluster["status"]["nodeSummary"]["readyNum"] == len(expected["zones"]), name


def test_one_member_of_each_mode(env):
    modes = sorted(member["sync_mode"] for member in env.config.values())
    assert modes == ["Pull", "Push"]
