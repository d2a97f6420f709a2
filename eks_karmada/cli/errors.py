"""One-line errors and exit codes: no command ever ends in a stack trace.

Exit codes: 0 all good; 1 an error stopped the command (config, AWS, Kubernetes, file);
2 bad usage (typer's own); 3 the command ran and found problems (`status`: something unhealthy
or a member missing; `preflight`: something blocks the deploy).
"""

from __future__ import annotations

import contextlib
import os
import ssl
from collections.abc import Iterator

import typer
from botocore import exceptions as boto

from eks_karmada.config import ConfigError
from functions.kube.errors import ApiError, ClusterNotFoundError, SecretNotReadyError, TlsVerificationError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_PROBLEMS = 3

DEBUG_ENV = "EKS_KARMADA_DEBUG"


class CliError(Exception):
    """A problem the user can fix, already worded as one line with the fix."""


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def describe_client_error(err: boto.ClientError) -> str:
    """`<operation> failed: <code>: <message>` plus a hint for the usual causes."""
    error = err.response.get("Error", {})
    code = error.get("Code", "Unknown")
    message = error.get("Message", "") or str(err)
    operation = getattr(err, "operation_name", "") or "AWS call"
    hint = ""
    if code in ("ExpiredToken", "ExpiredTokenException", "RequestExpired"):
        hint = "; your credentials expired: refresh them (e.g. aws sso login) and retry"
    elif code in ("InvalidClientTokenId", "UnrecognizedClientException", "SignatureDoesNotMatch"):
        hint = "; the access key is not valid: check AWS_PROFILE / --profile"
    elif code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
        hint = "; your IAM identity lacks this permission"
    return f"{operation} failed: {code}: {message}{hint}"


def describe(err: BaseException) -> str:
    """The one-line message for any error the commands expect."""
    if isinstance(err, (CliError, ConfigError)):
        return one_line(str(err))
    if isinstance(err, boto.NoCredentialsError):
        return ("no AWS credentials found; pass --profile NAME (or set AWS_PROFILE), "
                "or sign in with `aws sso login` / `aws configure`")
    if isinstance(err, boto.ProfileNotFound):
        return f"{one_line(str(err))}; list your profiles with `aws configure list-profiles`"
    if isinstance(err, (boto.SSOTokenLoadError, boto.TokenRetrievalError, boto.UnauthorizedSSOTokenError)):
        return f"{one_line(str(err))}; run `aws sso login` and retry"
    if isinstance(err, boto.ClientError):
        return one_line(describe_client_error(err))
    if isinstance(err, boto.EndpointConnectionError):
        return f"cannot reach AWS: {one_line(str(err))}; check your network or proxy"
    if isinstance(err, boto.BotoCoreError):
        return f"AWS: {one_line(str(err))}"
    if isinstance(err, ApiError):
        return f"Kubernetes API: {one_line(str(err))}"
    if isinstance(err, TlsVerificationError):
        return f"TLS: {one_line(str(err))}"
    if isinstance(err, (SecretNotReadyError, ClusterNotFoundError)):
        return one_line(str(err))
    if isinstance(err, (ConnectionError, TimeoutError, ssl.SSLError)):
        return f"network: {one_line(str(err))}"
    if isinstance(err, OSError):
        where = f"{err.filename}: " if err.filename else ""
        return one_line(f"{where}{err.strerror or err}")
    return one_line(f"{type(err).__name__}: {err}")


EXPECTED = (
    CliError,
    ConfigError,
    boto.BotoCoreError,
    boto.ClientError,
    ApiError,
    TlsVerificationError,
    SecretNotReadyError,
    ClusterNotFoundError,
    ConnectionError,
    TimeoutError,
    ssl.SSLError,
    OSError,
)


@contextlib.contextmanager
def guard(err_console) -> Iterator[None]:
    """Turn expected errors into `error: <one line>` on stderr and exit code 1.

    Set EKS_KARMADA_DEBUG=1 to see the traceback instead.
    """
    try:
        yield
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        err_console.print("error: interrupted", markup=False, highlight=False)
        raise typer.Exit(130) from None
    except Exception as err:  # noqa: BLE001 - the one place that turns errors into messages
        if os.environ.get(DEBUG_ENV):
            raise
        for message in messages(err):
            err_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_ERROR) from None


def messages(err: BaseException) -> list[str]:
    """The lines to print for an error: one per problem of a config file, else the one line of describe()."""
    if isinstance(err, ConfigError):
        return [one_line(line) for line in err.lines]
    message = describe(err)
    if not isinstance(err, EXPECTED):
        message = f"internal error: {message} (set {DEBUG_ENV}=1 to see the traceback and report it)"
    return [message]
