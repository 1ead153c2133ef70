"""Production settings: `manage.py check --deploy` has nothing to say with the production environment
(deploy/env.example's HTTPS settings), and env.example documents every variable the project reads."""

import os
import re
import secrets
import subprocess
import sys

from tests.processes import BASE_DIR

DEPLOY = BASE_DIR / "deploy"


def production_env(environ: dict) -> dict:
    """This run's services, with the production switches of deploy/env.example."""
    return {**environ, "DJANGO_DEBUG": "false", "DJANGO_HTTPS": "true", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "erp.example.com", "DJANGO_HSTS_SECONDS": "31536000"}


def test_check_deploy_reports_no_issue_with_production_settings():
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=BASE_DIR, env=production_env(dict(os.environ)), capture_output=True, text=True,
                            timeout=120)
    print(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_env_example_documents_every_variable():
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", (DEPLOY / "env.example").read_text(), re.M))
    settings_text = (BASE_DIR / "erp" / "settings.py").read_text()
    read = set(re.findall(r'env\.\w+\("([A-Z][A-Z0-9_]*)"', settings_text))
    read |= set(re.findall(r'"([A-Z][A-Z0-9_]*)" not in env', settings_text))
    read |= set(re.findall(r'os\.environ\.get\("([A-Z][A-Z0-9_]*)"', (DEPLOY / "gunicorn.conf.py").read_text()))
    read |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (DEPLOY / "docker-compose.prod.yml").read_text()))
    read |= set(re.findall(r"environment: ([A-Z][A-Z0-9_]*)\n", (DEPLOY / "docker-compose.prod.yml").read_text()))
    assert read - documented == set()
