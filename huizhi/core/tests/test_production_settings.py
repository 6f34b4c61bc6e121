"""A production server never runs on the repository's public keys, and the README's production
variables pass Django's deploy check with no warning.

The default secret, lookup and data keys are in the repository, so a server started on them must
refuse to run. Each check runs in a fresh process, as an operator would start the server.
"""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[3]


def readme_production_variables() -> dict[str, str]:
    """The variables in the README's production block, with each <placeholder> made for real."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- production-variables -->", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    made = {
        "HUIZHI_SECRET_KEY": secrets.token_urlsafe(50),
        "HUIZHI_DATA_KEYS": Fernet.generate_key().decode(),
        "HUIZHI_LOOKUP_KEY": secrets.token_urlsafe(32),
    }
    variables = {}
    for line in block.strip().splitlines():
        name, value = line.strip().split("=", 1)
        variables[name] = made[name] if value.startswith("<") else value
    return variables


def run(args: list[str], **env) -> subprocess.CompletedProcess:
    # As an operator starts it: none of this process's settings, nor what the browser tests set
    # for themselves (DJANGO_ALLOW_ASYNC_UNSAFE, which the deploy check rightly refuses).
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("HUIZHI_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def test_the_readme_production_variables_pass_the_deploy_check_with_no_warning():
    variables = readme_production_variables()
    assert {"HUIZHI_SECRET_KEY", "HUIZHI_DATA_KEYS", "HUIZHI_LOOKUP_KEY", "HUIZHI_HTTPS"} <= set(variables)
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **variables)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_names_each_development_key():
    variables = readme_production_variables()
    del variables["HUIZHI_LOOKUP_KEY"]
    result = run(["manage.py", "check", "--deploy"], **variables)
    assert result.returncode != 0
    assert "HUIZHI_LOOKUP_KEY" in result.stderr
    assert "HUIZHI_SECRET_KEY" not in result.stderr


def test_a_production_server_refuses_to_start_on_a_development_key():
    variables = readme_production_variables()
    variables["HUIZHI_DATA_KEYS"] = (
        f"{variables['HUIZHI_DATA_KEYS']},hZ0b7m3Qv2gkWc3v3PFrS5n8nE3eC4QGd6bqfCkqk9E="
    )
    result = run(["-c", "import config.wsgi"], **variables)
    assert result.returncode != 0
    assert re.search(r"HUIZHI_DATA_KEYS is the repository's development key", result.stderr)


def test_a_production_server_starts_with_its_own_keys():
    result = run(["-c", "import config.wsgi; print('started')"], **readme_production_variables())
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_debug_runs_on_the_development_keys_as_make_run_does():
    result = run(["-c", "import config.wsgi; print('started')"], HUIZHI_DEBUG="true")
    assert result.returncode == 0, result.stderr
