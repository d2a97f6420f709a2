#!/usr/bin/env python3
"""The CDK app: reads the config, builds every stack, writes the rendered manifests.

Config: `cdk synth -c config=path`, or CONFIG=path (the Makefile passes it as -c config).
"""

import os
import sys

from eks_karmada.bundled_node import use_bundled_node
from eks_karmada.config import ConfigError, load_config
from eks_karmada.manifest_checks import ManifestError


def main() -> int:
    # jsii must start the venv's supported Node even when `cdk` is run outside make.
    use_bundled_node()
    from aws_cdk import App

    from charts.policies.errors import PolicyError
    from eks_karmada.app_builder import build_app

    app = App()
    path = app.node.try_get_context("config") or os.environ.get("CONFIG") or None
    try:
        config = load_config(path)
    except ConfigError as err:
        for line in err.lines:  # every problem in the file, one line each
            print(f"error: {line}", file=sys.stderr)
        return 1
    from eks_karmada.image_cache import notes as cache_notes
    from eks_karmada.image_digests import synth_warnings

    for note in [*config.warnings(), *synth_warnings(config)]:
        print(f"warning: {note}", file=sys.stderr)
    for note in cache_notes(config):
        print(f"note: {note}", file=sys.stderr)
    try:
        rendered = build_app(app, config)
    except (ConfigError, ManifestError, PolicyError) as err:
        # A deployer ARN that is not a role or user, malformed objects or policies, or workloads at odds with the
        # config: one line each, naming it and the field.
        for line in str(err).splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 1
    app.synth()
    rendered.write(app.outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
