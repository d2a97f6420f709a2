"""The ResourceProperties keys of ``Custom::KarmadaManifest``, named once.

The construct (karmada_constructs/karmada_manifest.py, and karmada_constructs/parent_cluster_provider.py
for the keys that say how to reach Karmada) writes them; the handler (handler.py) reads them. This
module imports nothing, so the construct can import it without the handler's code.
"""

from __future__ import annotations

CLUSTER_NAME = "ClusterName"  # the parent EKS cluster, where the Karmada control plane runs
MANIFEST = "Manifest"  # JSON list of objects
SOURCE = "Source"  # JSON: a release tarball and the paths to apply from it
OVERWRITE = "Overwrite"  # "true" / "false"
FIELD_MANAGER = "FieldManager"
ADMIN_SECRET_NAME = "AdminSecretName"  # kubernetes.io/tls Secret of the Karmada admin client, in the parent
ADMIN_SECRET_NAMESPACE = "AdminSecretNamespace"
API_SERVER_NAMESPACE = "ApiServerNamespace"
API_SERVER_SERVICE = "ApiServerService"
API_SERVER_PORT = "ApiServerPort"
API_SERVER_SERVER_NAME = "ApiServerServerName"  # the name checked on the server's certificate
