"""cdk8s charts of the Karmada control plane (Kubernetes objects only, no AWS).

Parent cluster:   ``control_plane_charts(app, props)`` (one Chart per component,
                  the namespace's first, the rest after it only) or
                  ``KarmadaControlPlaneChart`` (all in one).
Karmada API:      ``KarmadaApiRbacChart`` (the break-glass certificate's only
                  apply), ``KarmadaApiBootstrapChart`` (contains ``${Karmada.CaBundle}``,
                  see ``render_ca_bundle``), plus ``crd_conversion_patches`` for
                  the CRD installer.
"""

from charts.karmada.bootstrap import (
    CA_BUNDLE_PLACEHOLDER,
    KarmadaApiBootstrapChart,
    KarmadaApiRbacChart,
    bootstrap_manifests,
    crd_conversion_patches,
    render_ca_bundle,
)
from charts.karmada.charts import KarmadaControlPlaneChart, components, control_plane_charts
from charts.karmada.names import ADMIN_CLIENT_SECRET, ADMIN_KUBECONFIG, APISERVER
from charts.karmada.props import (
    AuditShippingProps,
    ComponentResources,
    ComponentSettings,
    IamIdentity,
    KarmadaControlPlaneProps,
    PodSettings,
    Resources,
    Toleration,
)
from charts.karmada.sizing import ControlPlaneProfile, sizing_profile_for_members

__all__ = [
    "ADMIN_CLIENT_SECRET",
    "ADMIN_KUBECONFIG",
    "APISERVER",
    "AuditShippingProps",
    "CA_BUNDLE_PLACEHOLDER",
    "ComponentResources",
    "ComponentSettings",
    "ControlPlaneProfile",
    "IamIdentity",
    "KarmadaApiBootstrapChart",
    "KarmadaApiRbacChart",
    "KarmadaControlPlaneChart",
    "KarmadaControlPlaneProps",
    "PodSettings",
    "Resources",
    "Toleration",
    "bootstrap_manifests",
    "components",
    "control_plane_charts",
    "crd_conversion_patches",
    "render_ca_bundle",
    "sizing_profile_for_members",
]
