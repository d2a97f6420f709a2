"""A small stand-in for Karmada's crds.tar.gz, written for these tests (not copied from Karmada).

Shaped like the real release: ``crds/bases/<group>/*.yaml`` starting with ``---``, block-scalar
descriptions, multi-version CRDs, and ``crds/patches/`` with ``{{placeholders}}``.
"""

from __future__ import annotations

import hashlib
import io
import tarfile

BINDINGS_CRD = """---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  annotations:
    controller-gen.kubebuilder.io/version: v0.20.0
  name: resourcebindings.work.karmada.io
spec:
  group: work.karmada.io
  names:
    kind: ResourceBinding
    plural: resourcebindings
    shortNames:
    - rb
  scope: Namespaced
  versions:
  - name: v1alpha1
    schema:
      openAPIV3Schema:
        description: |-
          name: not-the-name
          kind: NotTheKind
        type: object
    served: true
    storage: false
  - name: v1alpha2
    schema:
      openAPIV3Schema:
        type: object
    served: true
    storage: true
    subresources:
      status: {}
"""

POLICIES_CRD = """---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: propagationpolicies.policy.karmada.io
spec:
  group: policy.karmada.io
  names:
    kind: PropagationPolicy
    plural: propagationpolicies
  scope: Namespaced
  versions:
  - name: v1alpha1
    schema:
      openAPIV3Schema:
        type: object
    served: true
    storage: true
"""

WORKS_CRD = POLICIES_CRD.replace("propagationpolicies.policy.karmada.io", "works.work.karmada.io").replace(
    "policy.karmada.io", "work.karmada.io").replace("PropagationPolicy", "Work").replace("propagationpolicies", "works")

BINDINGS_PATCH = """# The following patch enables conversion webhook for CRD
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: resourcebindings.work.karmada.io
spec:
  conversion:
    strategy: Webhook
    webhook:
      clientConfig:
        url: "https://{{name}}.{{namespace}}.svc:443/convert"
        caBundle: "{{caBundle}}"
      conversionReviewVersions: ["v1"]
"""

KUSTOMIZATION = """resources:
- bases/work/work.karmada.io_resourcebindings.yaml
patches:
- path: patches/webhook_in_resourcebindings.yaml
"""


def tarball(files: dict[str, str], prefix: str = "") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(prefix + name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def release(**extra: str) -> dict[str, str]:
    files = {
        "crds/kustomization.yaml": KUSTOMIZATION,
        "crds/bases/work/work.karmada.io_resourcebindings.yaml": BINDINGS_CRD,
        "crds/bases/policy/policy.karmada.io_propagationpolicies.yaml": POLICIES_CRD,
        "crds/patches/webhook_in_resourcebindings.yaml": BINDINGS_PATCH,
    }
    files.update(extra)
    return files




def pins(files: dict[str, str]) -> dict[str, str]:
    """The ``Source.files`` pins of these files: archive path -> sha256 of the bytes."""
    return {name: hashlib.sha256(text.encode()).hexdigest() for name, text in files.items()}
