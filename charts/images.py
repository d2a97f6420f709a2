"""The image references the charts accept: pinned by tag, by digest, or both, and never "latest"."""

from __future__ import annotations

import re

DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
"""An image digest as written after `@` (fullmatch)."""

# registry/repository:tag, @sha256:digest or both (:tag@sha256:digest). The registry may hold a deploy-time value
# (a CDK token such as the account of `<account>.dkr.ecr.<region>.amazonaws.com`, a pull-through cache, or the
# placeholder the rendered manifests carry for it, `${Parent.AccountId}`).
_PINNED_IMAGE = re.compile(r"^([a-z0-9.-]|\$\{Token\[[A-Za-z0-9._-]+\]\}|\$\{[A-Za-z]+\.[A-Za-z]+\})+"  # registry
                           r"(:[0-9]+)?"  # its port
                           r"(/[a-z0-9._-]+)+"  # repository
                           r"(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(@sha256:[0-9a-f]{64})?"  # tag, maybe its digest
                           r"|@sha256:[0-9a-f]{64})$")  # or a digest alone


def is_pinned(image: str) -> bool:
    """Whether `image` names a registry, a repository and a tag or digest other than "latest"."""
    return bool(_PINNED_IMAGE.match(image)) and not image.endswith(":latest")
