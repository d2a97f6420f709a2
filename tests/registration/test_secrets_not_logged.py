"""No secret material (tokens, keys, AWS credentials) in logs or in the messages sent to CloudFormation."""

from __future__ import annotations

import logging

import pytest

from functions.member_registration import handler as handler_module
from functions.member_registration.errors import RegistrationError
from tests.registration.conftest import (
    MEMBER,
    SA_TOKEN,
    make_event,
    make_props,
    secret_values_in,
)


@pytest.fixture
def debug_logs(caplog):
    names = ("botocore", "boto3", "urllib3")
    levels = {name: logging.getLogger(name).level for name in names}
    handler_module.quiet_aws_sdk_logs()  # what on_event does
    try:
        with caplog.at_level(logging.DEBUG):
            yield caplog
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def test_push_create_update_delete_log_no_secret(harness, debug_logs):
    harness.run(make_event("Create", make_props()))
    harness.run(make_event("Update", make_props(Labels="{}"), old_props=make_props()))  # checks the held token
    harness.seconds_later = 4 * 24 * 3600.0  # past half-life: new tokens, the controllers rolled
    harness.run(make_event("Update", make_props(), old_props=make_props(Labels="{}")))
    harness.karmada.finalizer_polls = 1
    harness.run(make_event("Delete", make_props()))

    assert harness.member_tokens and len(harness.member._tokens) == 4  # EKS tokens used, member tokens renewed
    found = secret_values_in(f"oops {SA_TOKEN} {harness.member_tokens[-1]}", harness)  # the detector works
    assert "sa token" in found and f"eks token {len(harness.member_tokens) - 1}" in found
    assert "registered member-1" in debug_logs.text
    assert secret_values_in(debug_logs.text, harness) == []


def test_pull_create_update_delete_log_no_secret(harness, debug_logs):
    harness.agent_registers_after(sleeps=1)
    harness.run(make_event("Create", make_props("Pull")))
    harness.run(make_event("Update", make_props("Pull", KarmadaApiServerUrl="https://karmada.example.com"),
                           old_props=make_props("Pull")))
    harness.clock.on_sleep.clear()
    harness.run(make_event("Delete", make_props("Pull")))

    assert "wrote Secret karmada-system/karmada-kubeconfig" in debug_logs.text
    assert secret_values_in(debug_logs.text, harness) == []


def test_a_server_message_echoing_a_token_is_redacted(harness, debug_logs):
    echo = f'Secret "{MEMBER}" is invalid: data[token]: Invalid value: "{SA_TOKEN}": too long'
    harness.karmada.fail_next(422, method="PATCH", path=f"/secrets/{MEMBER}$", message=echo)

    with pytest.raises(RegistrationError) as caught:
        harness.run(make_event("Create", make_props()))

    message = str(caught.value)
    assert 'data[token]: Invalid value: "<redacted>": too long' in message
    assert secret_values_in(message, harness) == []
    assert secret_values_in(debug_logs.text, harness) == []


def test_an_unexpected_error_is_reported_short_and_clean(harness, debug_logs, monkeypatch):
    def explode(*args, **kwargs):
        raise KeyError(f"token {SA_TOKEN}")

    monkeypatch.setattr(handler_module.obj, "push_cluster", explode)

    with pytest.raises(RegistrationError) as caught:
        harness.run(make_event("Create", make_props()))

    assert str(caught.value).startswith("Create failed: KeyError: ")
    assert secret_values_in(str(caught.value), harness) == []
    assert secret_values_in(debug_logs.text, harness) == []
