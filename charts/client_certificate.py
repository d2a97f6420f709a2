"""ClientCertificateChart: one Karmada client Certificate in the control plane's namespace (parent cluster)."""

from __future__ import annotations

import cdk8s
from constructs import Construct

from charts.karmada.common.objects import emit_all
from charts.karmada.pki import CertificateRequest, certificate_manifest
from charts.karmada.props import KarmadaControlPlaneProps


class ClientCertificateChart(cdk8s.Chart):
    """A cert-manager Certificate as ``request`` asks (issuer, Secret, CommonName, usages).

    Renewed like the components' and its key rotated on every renewal; for a function that signs in to the Karmada
    API as a user of its own.
    """

    def __init__(self, scope: Construct, id: str, request: CertificateRequest,
                 control_plane: KarmadaControlPlaneProps) -> None:
        super().__init__(scope, id, disable_resource_name_hashes=True)
        emit_all(self, [certificate_manifest(request, control_plane)])
