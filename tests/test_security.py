"""Headers and production settings."""

import os
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
    "DJANGO_ALLOWED_HOSTS": "adr.example.org",
    "DJANGO_SECURE_SSL_REDIRECT": "true",
}


def test_check_deploy_passes_with_production_settings():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")} | PRODUCTION
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_pages_forbid_inline_script_eval_and_framing(manager_client):
    response = manager_client.get(reverse("decision_list"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_sign_in_page_carries_the_policy_too(client):
    assert "script-src 'self'" in client.get(reverse("login"))["Content-Security-Policy"]


def test_session_cookies_are_http_only(settings):
    assert settings.SESSION_COOKIE_HTTPONLY


@pytest.mark.django_db
class TestSignIn:
    def test_wrong_passwords_lock_the_account_out(self, client, architect, settings):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            client.post(reverse("login"), {"username": "ada", "password": "wrong"})
        response = client.post(reverse("login"), {"username": "ada", "password": "secret-password"})
        assert response.status_code == 429
        assert "Too many failed sign-ins" in response.content.decode()
        assert "_auth_user_id" not in client.session

    def test_a_stranger_cannot_lock_out_a_colleague(self, architect, settings):
        stranger, colleague = Client(REMOTE_ADDR="198.51.100.7"), Client(REMOTE_ADDR="203.0.113.20")
        for _ in range(settings.AXES_FAILURE_LIMIT * 3):
            stranger.post(reverse("login"), {"username": "ada", "password": "wrong"})
        assert stranger.post(reverse("login"), {"username": "ada", "password": "secret-password"}).status_code == 429
        assert colleague.post(reverse("login"), {"username": "ada", "password": "secret-password"}).status_code == 302

    def test_an_address_trying_many_usernames_is_locked_out_at_its_own_cap(self, architect, settings):
        settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
        guesser = Client(REMOTE_ADDR="198.51.100.7")
        for n in range(11):
            assert guesser.post(reverse("login"), {"username": f"user{n}", "password": "x"}).status_code == 200
        guesser.post(reverse("login"), {"username": "user11", "password": "x"})
        assert guesser.post(reverse("login"), {"username": "ada", "password": "secret-password"}).status_code == 429
        assert (
            Client(REMOTE_ADDR="203.0.113.20")
            .post(reverse("login"), {"username": "ada", "password": "secret-password"})
            .status_code
            == 302
        )

    def test_behind_a_load_balancer_each_person_keeps_their_own_address(self, architect, settings):
        settings.PROXY_COUNT = 1
        balancer = {"REMOTE_ADDR": "10.0.0.1"}
        stranger = Client(**balancer, HTTP_X_FORWARDED_FOR="198.51.100.7")
        forger = Client(**balancer, HTTP_X_FORWARDED_FOR="203.0.113.20, 198.51.100.7")  # names the colleague's
        for _ in range(settings.AXES_FAILURE_LIMIT):
            stranger.post(reverse("login"), {"username": "ada", "password": "wrong"})
            forger.post(reverse("login"), {"username": "ada", "password": "wrong"})
        colleague = Client(**balancer, HTTP_X_FORWARDED_FOR="203.0.113.20")
        assert colleague.post(reverse("login"), {"username": "ada", "password": "secret-password"}).status_code == 302
        assert stranger.post(reverse("login"), {"username": "ada", "password": "secret-password"}).status_code == 429

    def test_the_message_does_not_say_whether_the_user_exists(self, client, architect):
        known = client.post(reverse("login"), {"username": "ada", "password": "wrong"}).content.decode()
        unknown = client.post(reverse("login"), {"username": "nobody", "password": "wrong"}).content.decode()
        message = "Please enter a correct username and password"
        assert message in known and message in unknown

    def test_a_successful_sign_in_resets_the_count(self, client, architect, settings):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            client.post(reverse("login"), {"username": "ada", "password": "wrong"})
        assert client.post(reverse("login"), {"username": "ada", "password": "secret-password"}).status_code == 302

    def test_sessions_expire_and_signing_out_needs_a_post(self, architect_client, settings):
        assert settings.SESSION_COOKIE_AGE <= 24 * 60 * 60
        assert architect_client.get(reverse("logout")).status_code == 405
