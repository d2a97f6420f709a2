"""CloudFormation custom resource ``KarmadaManifest``: apply Kubernetes objects to Karmada.

``on_event`` is the ``on_event`` handler of a CDK ``custom_resources.Provider``. It server-side
applies the objects of ``Manifest`` (a JSON list) and of ``Source`` (a release tarball, e.g.
Karmada's CRDs) to the Karmada API server that runs in the parent EKS cluster, prunes objects an
Update dropped, and deletes them all on Delete, except an object whose owner annotation now names
another KarmadaManifest (ownership.py): one moved from this resource to another is left in place.
It returns ``PhysicalResourceId`` (+ ``Data``) and raises to fail; the Provider puts
``str(exception)`` in the CloudFormation event, so every error says which object failed and carries
the API server's own message.

A failed Create first undoes what it applied (rollback.py): CloudFormation's later Delete of a
resource whose Create failed carries no record of it.

The code is split by responsibility: properties.py (the keys, named once, and their parsing),
desired.py (the objects wanted), ownership.py (which KarmadaManifest applied an object), run.py
(apply, prune and delete with retries), rollback.py (undo a failed Create), this module (the entry
point). The ResourceProperties keys (strings, as CloudFormation delivers them; the construct writes
them from properties.py):

* ``ClusterName`` (required): the parent EKS cluster, where the Karmada control plane runs.
* ``Manifest``: JSON list of objects (a single object is accepted too).
* ``Source``: JSON ``{"url": "https://...tar.gz" or "s3://<bucket>/<key>" (a mirror), "sha256": "<hex, optional>",
  "files": {"crds/bases/...yaml": "<sha256>", ...} (required: every file the tarball holds, nothing else),
  "paths": ["crds/bases/"], "patches": [...optional, default: the "patches/" sibling of each
  ".../bases/" path], "patchValues": {"name": ..., "namespace": ...} (optional),
  "kinds": ["CustomResourceDefinition"] (optional: the only kinds the tarball may hold)}``.
* ``Overwrite``: "true"/"false" (default false), ``FieldManager`` (default "eks-karmada").
* ``AdminSecretName`` (required), ``AdminSecretNamespace`` (default: ``ApiServerNamespace``):
  the kubernetes.io/tls Secret with tls.crt, tls.key and ca.crt, in the parent cluster.
* ``ApiServerNamespace`` (default karmada-system), ``ApiServerService`` (default
  karmada-apiserver), ``ApiServerPort`` (the pods' port, default 5443), ``ApiServerServerName``
  (default ``<service>.<namespace>.svc.cluster.local``): the name checked on the server's certificate.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

from ..errors import HandlerError
from ..kube.retry import Deadline
from ..provider_framework import CREATE_FAILED_MARKER
from .errors import KarmadaManifestError
from .properties import Properties
from .rollback import after_failed_create
from .run import Run, Runtime

logger = logging.getLogger("karmada_manifest")
logger.setLevel(logging.INFO)

SAFETY_MARGIN_SECONDS = 30.0  # leave time to report an error before the Lambda times out


def on_event(event: dict, context: Any) -> dict:
    """Lambda entry point (CDK Provider ``on_event``)."""
    # botocore's DEBUG lines include the canonical request of the presigned token URL (with the
    # session token): keep them out even if the function's log level is set to DEBUG.
    logging.getLogger("botocore").setLevel(max(logging.INFO, logging.getLogger("botocore").level))
    return handle(event, context, Runtime.default())


def handle(event: dict, context: Any, runtime: Runtime) -> dict:
    """Process one CloudFormation event with the given runtime."""
    request_type = event.get("RequestType")
    if request_type not in ("Create", "Update", "Delete"):
        raise KarmadaManifestError(f"unknown RequestType {request_type!r}")
    logical_id = event.get("LogicalResourceId", "")
    physical_id = event.get("PhysicalResourceId")
    if request_type == "Delete" and physical_id == CREATE_FAILED_MARKER:
        logger.info("Delete of %s whose Create failed: nothing to delete", logical_id)
        return {"PhysicalResourceId": physical_id}

    props = Properties.parse(event.get("ResourceProperties"))
    old_props = None
    if request_type == "Update":
        try:
            old_props = Properties.parse(event.get("OldResourceProperties"))
        except KarmadaManifestError as err:
            logger.warning("cannot read OldResourceProperties (%s): nothing will be pruned", err)

    if request_type == "Create" or (old_props is not None and old_props.cluster_name != props.cluster_name):
        # A new parent cluster is a replacement: a new id makes CloudFormation delete the old
        # resource (with its old properties, so on the old cluster) once the update succeeds.
        new_id = _physical_id(event, props.cluster_name)
        if request_type == "Update":
            logger.info("ClusterName changed: replacing %s with %s", physical_id, new_id)
            old_props = None
        physical_id = new_id

    # The Lambda context's get_remaining_time_in_millis(); tests and local runs may pass no context.
    remaining_ms: Callable[[], int] | None = getattr(context, "get_remaining_time_in_millis", None)
    budget = runtime.budget_seconds
    if callable(remaining_ms):
        budget = max(0.0, min(budget, remaining_ms() / 1000.0 - SAFETY_MARGIN_SECONDS))
    # The objects it applies carry its physical id (ownership.py); an event without one (not from
    # CloudFormation) gets the id the resource's Create would have returned.
    owner = physical_id or _physical_id(event, props.cluster_name)
    run = Run(props, runtime, Deadline(budget, runtime.clock), deleting=request_type == "Delete",
              record_creations=request_type == "Create", owner=owner)
    logger.info(
        "%s %s (%s): cluster %s, Karmada API %s/%s:%d, field manager %s, overwrite %s",
        request_type, logical_id, physical_id, props.cluster_name, props.api_server_namespace,
        props.api_server_service, props.api_server_port, props.field_manager, props.overwrite,
    )
    try:
        count = run.delete_all() if request_type == "Delete" else run.apply_all(old_props)
    except Exception as err:  # noqa: BLE001 - every failure reaches CloudFormation, short; a Create's rolled back
        error = err if isinstance(err, HandlerError) else None
        if error is None:
            logger.exception("%s failed", request_type)
            error = KarmadaManifestError(f"{request_type} failed: {type(err).__name__}: {err}")
        if request_type == "Create":
            error = after_failed_create(run, error)
        if error is err:
            raise
        raise error from err
    finally:
        run.close()
    return {"PhysicalResourceId": physical_id, "Data": {"ObjectCount": str(count)}}


def _physical_id(event: dict, cluster_name: str) -> str:
    logical_id = event.get("LogicalResourceId") or "KarmadaManifest"
    seed = "|".join([event.get("StackId") or event.get("RequestId") or "", logical_id, cluster_name])
    return f"{logical_id}-{hashlib.sha256(seed.encode()).hexdigest()[:16]}"
