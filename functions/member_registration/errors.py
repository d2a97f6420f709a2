"""Every exception of the KarmadaMemberRegistration handler.

``RegistrationError`` is what the handler reports to CloudFormation (a ``HandlerError``); the
others are raised and caught inside this package and reach CloudFormation only through it. Errors
of the Kubernetes client are in functions/kube/errors.py.
"""

from __future__ import annotations

from ..errors import HandlerError


class RegistrationError(HandlerError):
    """A failure reported to CloudFormation (its text is kept short by HandlerError)."""


class PropertiesError(ValueError):
    """A property is missing or malformed (the message names it)."""


class MemberAccessError(Exception):
    """The member cluster cannot be reached through AWS (assume role, describe cluster)."""


class CertificateFormatError(ValueError):
    """The data is not a PEM certificate this reader understands."""
