"""What every custom resource handler here shares.

The CDK Provider framework's conventions and which Kubernetes API errors mean "not ready yet" rather than a
real failure (the errors a handler reports derive from functions/errors.py).
"""

from __future__ import annotations

import json
from typing import Any

# The Provider framework's PhysicalResourceId for a Create that failed (it normally answers the
# following Delete itself; the handlers answer it too in case it does not).
CREATE_FAILED_MARKER = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"

# Server messages of HTTP 500s that mean "not ready yet" (an admission webhook or etcd still
# starting), as opposed to a real failure.
_TRANSIENT_500_MARKERS = (
    "failed calling webhook",
    "no endpoints available",
    "connection refused",
    "i/o timeout",
    "etcdserver: request timed out",
    "etcdserver: leader changed",
)


def is_transient_api_error(code: int, message: str) -> bool:
    """An API server answer worth retrying: throttled, unavailable, or a 500 from a component still starting."""
    if code in (429, 502, 503, 504):
        return True
    return code == 500 and any(marker in message.lower() for marker in _TRANSIENT_500_MARKERS)


def property_text(raw: dict[str, Any], key: str) -> str:
    """A ResourceProperties value as text: stripped, JSON for an object or a list, "" when absent.

    CloudFormation delivers every value as a string; tests and the local control plane may pass objects.
    """
    value = raw.get(key)
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value).strip()
