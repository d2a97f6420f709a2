"""Expiring tokens for a Push member: minted by TokenRequest, kept in Karmada, handed on by rolling their readers.

``karmadactl join`` (v1.18.2) copies a non-expiring token Secret of each member ServiceAccount into Karmada. Here the
registrar asks the member's TokenRequest API for tokens of ``TokenLifetimeSeconds`` (default 7 days; the member's
``--service-account-max-token-expiration`` may grant less, and the answer's ``expirationTimestamp`` is what counts)
for ``karmada-<member>`` and ``karmada-impersonator``, and writes them into Karmada's Secrets ``<member>`` and
``<member>-impersonator`` with when they were issued, when they expire and what lifetime was asked.

Renewal (``held_or_new``): a Secret that holds no token, or one without those times (``karmadactl join``'s or an
earlier version's), a token past half its granted life, one asked for another lifetime than now, or one the member
refuses (its ServiceAccount was re-created: how an operator revokes it). The registration checks at every Create and
Update, the refresh (``refresh.py``) every hour.

Handing on (``roll_consumers``): karmada-controller-manager, and karmada-search and the metrics adapter when they
run, build a member's informers once with the token of that moment and keep them until the process ends
(``pkg/controllers/status/cluster_status_controller.go`` ``initializeGenericInformerManagerForCluster`` returns when
the member's manager exists). So after a renewal the registrar sets ``member-tokens.eks-karmada.io/<member>: <issued>``
on their pod templates and the Deployments roll. The replaced token stays valid until it expires, at least half its
life later: ample for the rollout.
"""

from __future__ import annotations

import base64
import datetime
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..kube.client import KubeClient
from ..kube.errors import ApiError
from ..kube.retry import root_cause
from . import objects as obj
from .errors import RegistrationError
from .properties import MIN_TOKEN_LIFETIME_SECONDS

if TYPE_CHECKING:  # the handler imports this module
    from .handler import Run, _Member

logger = logging.getLogger("member_registration.push_tokens")
logger.setLevel(logging.INFO)

ISSUED_ANNOTATION = "eks-karmada.io/token-issued"
EXPIRES_ANNOTATION = "eks-karmada.io/token-expires"
REQUESTED_ANNOTATION = "eks-karmada.io/token-lifetime-requested"
CONSUMER_ANNOTATION_PREFIX = "member-tokens.eks-karmada.io/"
# Its own field manager, so the write is told apart; the parent stack's applies of these Deployments (kubectl apply)
# leave an annotation they never set alone.
ROLL_FIELD_MANAGER = "eks-karmada/member-tokens"
SELF_SUBJECT_REVIEWS = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
LABELS = ("controllers'", "impersonator's")  # the two tokens, in the order they are held


def _timestamp(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(text: str | None) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat((text or "").replace("Z", "+00:00")).astimezone(datetime.UTC)
    except ValueError:
        return None


@dataclass(frozen=True)
class MemberToken:
    """A token as Karmada's Secret holds it: base64 data, with its times."""

    data: str
    issued: datetime.datetime | None = None
    expires: datetime.datetime | None = None
    requested_seconds: int | None = None

    @classmethod
    def held_in(cls, secret: dict | None) -> MemberToken | None:
        """The token a Karmada credential Secret holds, or None when it holds none."""
        data = ((secret or {}).get("data") or {}).get(obj.TOKEN_KEY)
        if not data:
            return None
        annotations = (secret or {}).get("metadata", {}).get("annotations") or {}
        requested = annotations.get(REQUESTED_ANNOTATION, "")
        return cls(data, _parse_time(annotations.get(ISSUED_ANNOTATION)),
                   _parse_time(annotations.get(EXPIRES_ANNOTATION)), int(requested) if requested.isdigit() else None)

    @property
    def annotations(self) -> dict[str, str]:
        if self.issued is None or self.expires is None or self.requested_seconds is None:
            return {}
        return {ISSUED_ANNOTATION: _timestamp(self.issued), EXPIRES_ANNOTATION: _timestamp(self.expires),
                REQUESTED_ANNOTATION: str(self.requested_seconds)}

    def renewal_reason(self, requested_seconds: int, now: datetime.datetime) -> str | None:
        """Why this token must be replaced now (None: it may stay)."""
        if self.issued is None or self.expires is None:
            return "it has no expiry (a token Secret karmadactl join or an earlier version copied)"
        if self.requested_seconds != requested_seconds:
            return f"its lifetime was asked as {self.requested_seconds} s, now {requested_seconds} s"
        if now >= self.issued + (self.expires - self.issued) / 2:
            return f"it is past half its life (expires {_timestamp(self.expires)})"
        return None


@dataclass(frozen=True)
class PushTokens:
    """The two tokens of a Push member: its controllers' and the impersonator's."""

    controller: MemberToken
    impersonator: MemberToken

    @property
    def issued(self) -> datetime.datetime:
        return self.controller.issued or datetime.datetime.now(datetime.UTC)


def _held_tokens(run: Run) -> tuple[MemberToken | None, MemberToken | None]:
    """The tokens Karmada holds for the member (its two credential Secrets)."""
    member = run.props.member_name
    secrets = [run.k_get(obj.SECRETS, name, obj.CLUSTER_NAMESPACE)
               for name in (member, obj.impersonator_secret(member))]
    return MemberToken.held_in(secrets[0]), MemberToken.held_in(secrets[1])


def _renewal_reason(run: Run, member: _Member, held: tuple[MemberToken | None, MemberToken | None]) -> str | None:
    """Why the member's tokens in Karmada must be replaced now; None when both may stay."""
    p = run.props
    now = datetime.datetime.fromtimestamp(run.runtime.wall_clock(), datetime.UTC)
    for label, token in zip(LABELS, held, strict=True):
        if token is None:
            return f"Karmada holds no {label} token"
        reason = token.renewal_reason(p.token_lifetime_seconds, now)
        if reason:
            return f"the {label} token: {reason}"
    for label, token in zip(LABELS, held, strict=True):
        if token is not None and not accepted_by_member(run, member, token, label):
            return f"the member refuses the {label} token (its ServiceAccount was re-created, revoking it)"
    return None


def held_or_new(run: Run, member: _Member) -> tuple[PushTokens, str | None]:
    """The tokens Karmada holds when both may stay, else new ones; and why they were renewed (None: kept)."""
    held = _held_tokens(run)
    reason = _renewal_reason(run, member, held)
    if reason is None and held[0] is not None and held[1] is not None:
        logger.info("keeping the tokens of %s that Karmada holds (they expire %s)", run.props.member_name,
                    held[0].expires)
        return PushTokens(held[0], held[1]), None
    logger.info("requesting new tokens of %s: %s", run.props.member_name, reason)
    return mint(run, member), reason


def accepted_by_member(run: Run, member: _Member, token: MemberToken, label: str) -> bool:
    """Whether the member authenticates ``token`` (a SelfSubjectReview, which every authenticated user may make)."""
    value = base64.b64decode(token.data).decode("ascii", "replace")
    run.redact.add(value)
    client = KubeClient(run.runtime.member_transport(member.endpoint, lambda: value),
                        user_agent="eks-karmada/member-token")
    what = f"check the {label} token of {run.props.member_name} in the member {member.where}"
    review = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    try:
        run.retry(lambda: client.request("POST", SELF_SUBJECT_REVIEWS, body=review), what=what)
        return True
    except Exception as err:
        cause = root_cause(err)
        if isinstance(cause, ApiError) and cause.code == 401:
            return False
        raise run.fail(what, err) from err
    finally:
        client.close()


def mint(run: Run, member: _Member) -> PushTokens:
    """New tokens for both ServiceAccounts from the member's TokenRequest API."""
    controller = _request_token(run, member, obj.member_service_account(run.props.member_name))
    return PushTokens(controller, _request_token(run, member, obj.IMPERSONATOR_SERVICE_ACCOUNT))


def _request_token(run: Run, member: _Member, service_account: str) -> MemberToken:
    p = run.props
    path = f"/api/v1/namespaces/{obj.CLUSTER_NAMESPACE}/serviceaccounts/{service_account}/token"
    request = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
               "spec": {"expirationSeconds": p.token_lifetime_seconds}}
    described = f"ServiceAccount {obj.CLUSTER_NAMESPACE}/{service_account}"
    try:
        answer = run.m_call(member, lambda c: c.request("POST", path, body=request), f"request a token of {described}")
    except RegistrationError as err:
        cause = root_cause(err.__cause__)
        if isinstance(cause, ApiError) and cause.code == 404:
            raise RegistrationError(f"{described} does not exist in the member {member.where}: its KarmadaMember "
                                    "stack creates it (deploy that stack first)") from None
        raise
    status = (answer or {}).get("status") or {}
    token, expires = status.get("token"), _parse_time(status.get("expirationTimestamp"))
    if not token or expires is None:
        raise RegistrationError(f"the member {member.where} answered a TokenRequest for {described} without a token "
                                "or its expirationTimestamp")
    run.redact.add(token)
    issued = datetime.datetime.fromtimestamp(int(run.runtime.wall_clock()), datetime.UTC)
    granted = (expires - issued).total_seconds()
    if granted < MIN_TOKEN_LIFETIME_SECONDS:
        raise RegistrationError(
            f"the member {member.where} grants tokens of {described} for {granted:.0f} s only (its API server's "
            f"--service-account-max-token-expiration): the hourly refresh needs at least "
            f"{MIN_TOKEN_LIFETIME_SECONDS} s; lower karmada.push_token_lifetime_hours no further than that API allows")
    if granted < p.token_lifetime_seconds - 60:
        logger.warning("the member %s grants %s tokens for %.0f s, not the %d s asked: renewed at half of that",
                       member.where, described, granted, p.token_lifetime_seconds)
    encoded = base64.b64encode(token.encode("ascii")).decode("ascii")
    run.redact.add(encoded)
    return MemberToken(encoded, issued, expires, p.token_lifetime_seconds)


def roll_consumers(run: Run, tokens: PushTokens) -> list[str]:
    """Roll the Deployments that hold the member's token in their watches; the names of those that exist."""
    p = run.props
    namespace = p.api_server_namespace
    annotation = {CONSUMER_ANNOTATION_PREFIX + p.member_name: _timestamp(tokens.issued)}
    patch = {"spec": {"template": {"metadata": {"annotations": annotation}}}}
    rolled = []
    for name in p.token_consumers:
        what = f"roll Deployment {namespace}/{name} in the parent EKS cluster {p.cluster_name}"
        try:
            run.retry(lambda n=name: run.parent().merge_patch(obj.DEPLOYMENTS, n, namespace, patch,
                                                              ROLL_FIELD_MANAGER), what=what)
        except Exception as err:
            cause = root_cause(err)
            if isinstance(cause, ApiError) and cause.code == 404:
                logger.info("Deployment %s/%s does not run in the parent: nothing to roll", namespace, name)
                continue
            hint = (" (the registrar's RBAC in the parent grants patch on the token consumers: update the "
                    "KarmadaParent stack)") if isinstance(cause, ApiError) and cause.code == 403 else ""
            raise run.fail(what, err, hint) from err
        rolled.append(name)
    logger.info("rolled %s: they now read the tokens of %s issued %s", ", ".join(rolled) or "nothing",
                p.member_name, _timestamp(tokens.issued))
    return rolled
