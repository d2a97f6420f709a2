"""What every custom resource handler here shares: the CDK Provider framework's conventions and
which Kubernetes API errors mean "not ready yet" rather than a real failure."""

from __future__ import annotations

# The Provider framework's PhysicalResourceId for a Create that failed (it normally answers the
# following Delete itself; the handlers answer it too in case it does not).
CREATE_FAILED_MARKER = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"
# The failure reason CloudFormation shows (and the framework's response) must stay short.
MAX_MESSAGE_CHARS = 1000

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


class CustomResourceError(Exception):
    """A failure reported to CloudFormation; its text is kept under MAX_MESSAGE_CHARS."""

    def __init__(self, message: str) -> None:
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[: MAX_MESSAGE_CHARS - 3] + "..."
        super().__init__(message)


def is_transient_api_error(code: int, message: str) -> bool:
    """An API server answer worth retrying: throttled, unavailable, or a 500 from a component still starting."""
    if code in (429, 502, 503, 504):
        return True
    return code == 500 and any(marker in message.lower() for marker in _TRANSIENT_500_MARKERS)
