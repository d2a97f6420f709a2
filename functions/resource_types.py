"""The CloudFormation types of our custom resources, each named once.

The constructs hold them as ``RESOURCE_TYPE`` (``KarmadaManifest.RESOURCE_TYPE``...). Code that
reads synthesized templates without building them (eks_karmada/diagram.py, local_control_plane/,
bench/) imports them from here: this module imports nothing, so it costs no aws_cdk import.
"""

from __future__ import annotations

KARMADA_MANIFEST = "Custom::KarmadaManifest"
KARMADA_MEMBER_REGISTRATION = "Custom::KarmadaMemberRegistration"
TEARDOWN_CLEANUP = "Custom::TeardownCleanup"
KARMADA_ENCRYPTION_KEY = "Custom::KarmadaEncryptionKey"
DEPLOY_TIME_ADMIN = "Custom::DeployTimeAdmin"
