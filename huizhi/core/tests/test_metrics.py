"""/metrics: Prometheus' text format, requests counted by route name (never by path), the task
queue's depth, the deadline sweep's lag, process figures; answered only to allowed addresses or a
bearer token; and, with PROMETHEUS_MULTIPROC_DIR, the counts of several processes added up."""

import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from huizhi.core.readiness import DEADLINE_SWEEP, heartbeat_record
from huizhi.registry.tasks import run_registry_import

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
METRICS = "/metrics"


def scrape(client, **extra) -> dict[tuple[str, tuple], float]:
    """Every sample of a scrape, by (name, sorted labels)."""
    response = client.get(METRICS, **extra)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def requests_of(samples, route: str, status: str, method: str = "GET") -> float:
    key = ("huizhi_http_requests_total", (("method", method), ("route", route), ("status", status)))
    return samples.get(key, 0.0)


def test_requests_are_counted_and_timed_by_route_name_never_by_path(client):
    before = scrape(client)
    client.get(reverse("core:healthz"))
    client.get(reverse("core:healthz"))
    client.get("/no/such/page/4815162342/")
    client.generic("BREW", reverse("core:healthz"))  # any token may arrive as a method
    after = scrape(client)

    assert requests_of(after, "core:healthz", "200") - requests_of(before, "core:healthz", "200") == 2
    assert requests_of(after, "unmatched", "404") - requests_of(before, "unmatched", "404") == 1
    assert (
        requests_of(after, "core:healthz", "405", "other")
        - requests_of(before, "core:healthz", "405", "other")
        == 1
    )
    timed = ("huizhi_http_request_duration_seconds_count", (("method", "GET"), ("route", "core:healthz")))
    assert after[timed] - before.get(timed, 0) == 2
    labels = {value for _name, pairs in after for _key, value in pairs}
    assert not any("4815162342" in value or value.startswith("/") for value in labels)


def test_a_path_with_an_id_is_counted_under_its_pattern(client, django_user_model):
    client.force_login(django_user_model.objects.get(username="huayuan_staff"))
    client.get(reverse("registry:import_result", args=[987654]))  # not theirs or not there: 404
    samples = scrape(client)
    assert requests_of(samples, "registry:import_result", "404") >= 1
    # The labels, not the values: a duration's digits may hold 987654 by chance (it did, in CI).
    labels = {value for _name, pairs in samples for _key, value in pairs}
    assert not any("987654" in value for value in labels)


def test_a_body_refused_before_any_view_is_counted_too(client):
    before = scrape(client)
    response = client.generic(
        "POST", reverse("cases:report"), b"", CONTENT_LENGTH=str(10**10), CONTENT_TYPE="text/plain"
    )
    assert response.status_code == 413
    after = scrape(client)
    assert (
        requests_of(after, "unmatched", "413", "POST") - requests_of(before, "unmatched", "413", "POST") == 1
    )


@pytest.mark.parametrize(
    "address, allowed, header, answer",
    [
        ("127.0.0.1", ["127.0.0.1", "::1"], None, 200),
        ("::1", ["127.0.0.1", "::1"], None, 200),
        ("10.1.2.3", ["127.0.0.1", "::1"], None, 403),
        ("10.1.2.3", ["10.0.0.0/8"], None, 200),
        ("10.1.2.3", ["127.0.0.1"], "Bearer s3cret-scrape-token", 200),
        ("10.1.2.3", ["127.0.0.1"], "Bearer wrong", 403),
        ("10.1.2.3", ["127.0.0.1"], "s3cret-scrape-token", 403),
    ],
    ids=[
        "loopback",
        "loopback v6",
        "elsewhere",
        "allowed network",
        "token",
        "wrong token",
        "token unsent as bearer",
    ],
)
def test_metrics_answer_allowed_addresses_or_the_token_and_refuse_everyone_else(
    client, address, allowed, header, answer
):
    extra = {"REMOTE_ADDR": address}
    if header:
        extra["HTTP_AUTHORIZATION"] = header
    with override_settings(HUIZHI_METRICS_ALLOWED_IPS=allowed, HUIZHI_METRICS_TOKEN="s3cret-scrape-token"):
        response = client.get(METRICS, **extra)
    assert response.status_code == answer
    assert (b"huizhi_http_requests_total" in response.content) is (answer == 200)


def test_a_forged_forwarded_for_does_not_open_the_metrics(client):
    with override_settings(HUIZHI_TRUSTED_PROXIES=0):
        response = client.get(METRICS, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="127.0.0.1")
    assert response.status_code == 403


def test_without_a_token_set_no_bearer_opens_it(client):
    with override_settings(HUIZHI_METRICS_TOKEN=""):
        assert client.get(METRICS, REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer ").status_code == 403


def test_the_task_queue_depth_is_the_database_queues_ready_rows(client):
    assert not any(name == "huizhi_task_queue_ready" for name, _labels in scrape(client))  # in-process tasks
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        assert scrape(client)[("huizhi_task_queue_ready", ())] == 0
        for job_id in (1, 2, 3):
            run_registry_import.enqueue(job_id)
        assert scrape(client)[("huizhi_task_queue_ready", ())] == 3


def test_the_deadline_sweep_lag_is_the_seconds_since_it_last_finished(client):
    assert not any(name == "huizhi_deadline_sweep_lag_seconds" for name, _labels in scrape(client))
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        heartbeat_record(DEADLINE_SWEEP)
        clock.shift(timedelta(seconds=90))
        assert scrape(client)[("huizhi_deadline_sweep_lag_seconds", ())] == 90


def test_process_figures_are_included(client):
    names = {name for name, _labels in scrape(client)}
    assert {"process_resident_memory_bytes", "process_cpu_seconds_total", "python_info"} <= names


WORKER = textwrap.dedent(
    """
    import django, os, sys
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    django.setup()
    from django.test import Client
    client = Client()
    for _ in range(int(sys.argv[1])):
        assert client.get("/healthz").status_code == 200
    if len(sys.argv) > 2:
        sys.stdout.write(client.get("/metrics").content.decode())
    """
)


def test_several_processes_counts_are_added_up_in_multiprocess_mode(tmp_path):
    """Two processes answer 2 and 3 requests; a third's /metrics reports the 5 (and its own scrape)."""
    directory = tmp_path / "prometheus"
    directory.mkdir()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
        "HUIZHI_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }

    def run(*args) -> str:
        return subprocess.run(
            [sys.executable, "-c", WORKER, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    run("2")
    run("3")
    text = run("0", "scrape")
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert requests_of(samples, "core:healthz", "200") == 5
    assert len(list(directory.iterdir())) >= 3  # one file per process and kind of metric
