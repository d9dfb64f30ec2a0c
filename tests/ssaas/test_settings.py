import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, env_extra: dict, cwd=ROOT):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "ssaas.settings_production",
    "SECRET_KEY": "k3Jd8!pQz7@LmN2#vR5$wX9^bT4&yH6*cF1(gA0)eS8-uI3_oP7+zX2=qW5~rE9",
    "ALLOWED_HOSTS": "backoffice.example.com.au",
    "FIELD_ENCRYPTION_KEYS": "dGVzdC1vbmx5LWZpZWxkLWtleS1zc2Fhcy0wMDAwMDA=",
}


def test_production_profile_passes_deploy_check():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_extra=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_no_development_secret_key_without_debug():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = run_manage("check", env_extra=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_default_database_is_sqlite_in_project_folder(tmp_path):
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['NAME'])",
        env_extra={"DEBUG": "1", "DATABASE_URL": ""},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(ROOT / "db.sqlite3")


def test_time_zone_and_q_cluster():
    assert settings.TIME_ZONE == "Australia/Sydney" and settings.USE_TZ
    assert settings.Q_CLUSTER["retry"] > settings.Q_CLUSTER["timeout"]
    assert settings.Q_CLUSTER["catch_up"] is False


@pytest.mark.django_db
def test_admin_is_titled_for_the_product(admin_client):
    body = admin_client.get(reverse("admin:index")).content.decode()
    assert "SSaaS back office" in body
    assert "Django administration" not in body


DEV_SECRET_KEY = "dev-only-not-secret-ssaas-backoffice-0123456789-abcdefghijklmnop"
DEV_FIELD_KEY = "ZGV2LW9ubHktbm90LXNlY3JldC1zc2Fhcy1rZXktMDE="


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS"])
def test_production_refuses_to_start_without_its_keys_even_with_debug_left_on(missing):
    """DEBUG=1 left in the environment must not bring the development keys in."""
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    env["DEBUG"] = "1"
    result = run_manage("check", "--deploy", env_extra=env)
    assert result.returncode != 0, result.stdout
    assert missing in result.stderr


@pytest.mark.parametrize(("name", "value"), [("SECRET_KEY", DEV_SECRET_KEY), ("FIELD_ENCRYPTION_KEYS", DEV_FIELD_KEY)])
def test_production_refuses_the_development_keys(name, value):
    result = run_manage("check", env_extra={**PRODUCTION_ENV, name: value, "DEBUG": "1"})
    assert result.returncode != 0, result.stdout
    assert name in result.stderr


def test_production_stays_debug_off_with_debug_left_on():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG, settings.SECRET_KEY[:4])",
        env_extra={**PRODUCTION_ENV, "DEBUG": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False k3Jd"


# FIELD_ENCRYPTION_KEYS=notakey once passed start-up and check --deploy, and the
# first FTP password saved answered 500. Each key is checked as the settings load.
GOOD_KEYS = "dGVzdC1vbmx5LWZpZWxkLWtleS1zc2Fhcy0wMDAwMDA=,b2xkLXRlc3Qta2V5LXNzYWFzLWJhY2tvZmZpY2UtMDE="


@pytest.mark.parametrize(
    ("keys", "wrong"),
    [
        ("notakey", "key 1 of 1 (7 characters)"),
        ("dGVzdA==", "key 1 of 1 (8 characters)"),  # base64, but 4 bytes, not 32
        (f"{GOOD_KEYS},not-a-key", "key 3 of 3 (9 characters)"),  # an old key mistyped
    ],
)
@pytest.mark.parametrize("profile", ["production", "development"])
def test_a_value_that_is_no_fernet_key_stops_start_up_naming_the_setting(keys, wrong, profile):
    if profile == "production":
        result = run_manage("check", "--deploy", env_extra={**PRODUCTION_ENV, "FIELD_ENCRYPTION_KEYS": keys})
    else:
        result = run_manage("check", env_extra={"DEBUG": "1", "FIELD_ENCRYPTION_KEYS": keys})
    assert result.returncode != 0, result.stdout
    message = result.stderr.strip().splitlines()[-1]
    assert f"FIELD_ENCRYPTION_KEYS: {wrong} is not a Fernet key" in message
    assert "32 random bytes in url-safe base64" in message
    assert "Fernet.generate_key()" in message  # how to make one
    assert "notakey" not in message and "not-a-key" not in message  # a key is never shown


@pytest.mark.parametrize("profile", ["production", "development"])
def test_fernet_keys_pass_start_up(profile):
    env = {**PRODUCTION_ENV} if profile == "production" else {"DEBUG": "1"}
    env["FIELD_ENCRYPTION_KEYS"] = GOOD_KEYS + ","  # a trailing comma is no key, not a wrong one
    result = run_manage("check", env_extra=env)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
