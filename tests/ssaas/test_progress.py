"""The progress store (ssaas/common/progress.py): what one process reports, another
reads, outside any transaction; the settings choose files or Redis."""

import os
import subprocess
import sys

import pytest
from django.core.cache.backends.filebased import FileBasedCache
from django.db import transaction

from ssaas.common import progress

from .test_settings import ROOT, run_manage


def test_a_report_reads_back_with_its_percentage():
    key = progress.progress_key("test", 1)
    assert key == "test:1" and progress.read(key) is None
    assert progress.report(key, done=30, total=120, text="30 of 120 rows")
    note = progress.read(key)
    assert (note.done, note.total, note.percent, note.text) == (30, 120, 25, "30 of 120 rows")
    assert note.running and not note.finished and not note.failed and note.updated_at is not None


def test_an_unknown_total_has_no_percentage_and_finishing_makes_it_100():
    key = progress.progress_key("test", 2)
    progress.report(key, done=7, text="Finding the usage to bill")
    assert progress.read(key).percent is None
    progress.finish(key, "Done: 3 invoices", result={"invoices": 3})
    note = progress.read(key)
    assert (note.finished, note.percent, note.text, note.result) == (True, 100, "Done: 3 invoices", {"invoices": 3})


def test_a_failure_keeps_how_far_it_got_and_says_why():
    key = progress.progress_key("test", 3)
    progress.report(key, done=1, total=4)
    progress.fail(key, "the disk caught fire")
    note = progress.read(key)
    assert (note.failed, note.running, note.percent, note.text) == (True, False, 25, "the disk caught fire")
    progress.clear(key)
    assert progress.read(key) is None


def test_reports_within_the_interval_are_skipped():
    key = progress.progress_key("test", 4)
    assert progress.report(key, done=1, total=10, every=60)
    assert not progress.report(key, done=2, total=10, every=60)
    assert progress.read(key).done == 1
    assert progress.report(key, done=3, total=10)  # no interval: always written
    assert progress.read(key).done == 3


def test_a_second_cache_instance_on_the_same_folder_sees_the_writes(tmp_path, monkeypatch):
    """The web process and the worker each open the cache: two FileBasedCache
    instances on one folder, as the default settings make."""
    writer, reader = FileBasedCache(str(tmp_path), {}), FileBasedCache(str(tmp_path), {})
    key = progress.progress_key("test", 5)
    monkeypatch.setattr(progress, "_cache", lambda: writer)
    progress.report(key, done=2, total=8, text="2 of 8")
    monkeypatch.setattr(progress, "_cache", lambda: reader)
    assert progress.read(key).percent == 25
    monkeypatch.setattr(progress, "_cache", lambda: writer)
    progress.finish(key, "done")
    monkeypatch.setattr(progress, "_cache", lambda: reader)
    assert progress.read(key).finished


@pytest.mark.django_db(transaction=True)
def test_another_process_sees_a_report_made_inside_a_transaction():
    """What a worker reports in the middle of its transaction another process reads
    at once (the database would show it only at the commit)."""
    key = progress.progress_key("test", os.getpid())
    with transaction.atomic():
        progress.report(key, done=1, total=2, text="halfway")
        script = (
            "import django; django.setup(); from ssaas.common import progress; "
            f"note = progress.read({key!r}); print(note.percent, note.text)"
        )
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "ssaas.settings_test"},
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "50 halfway"


SHOW_PROGRESS_CACHE = "from django.conf import settings; print(settings.CACHES['progress'])"


@pytest.mark.parametrize(
    ("env", "backend", "location"),
    [
        ({}, "FileBasedCache", ".progress"),
        ({"Q_REDIS_URL": "redis://broker:6379/0"}, "RedisCache", "redis://broker:6379/0"),
        (
            {"Q_REDIS_URL": "redis://broker:6379/0", "PROGRESS_CACHE_URL": "redis://cache:6379/1"},
            "RedisCache",
            "redis://cache:6379/1",
        ),
    ],
)
def test_the_progress_cache_is_files_unless_redis_is_configured(tmp_path, env, backend, location):
    result = run_manage(
        "shell",
        "-c",
        SHOW_PROGRESS_CACHE,
        env_extra={
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "ssaas.settings",
            "CARRIER_FILES_ROOT": str(tmp_path),
            "PROGRESS_CACHE_URL": "",
            "Q_REDIS_URL": "",
            **env,
        },
    )
    assert result.returncode == 0, result.stderr
    shown = result.stdout.strip().splitlines()[-1]
    assert backend in shown and location in shown
    if backend == "FileBasedCache":
        assert str(tmp_path / ".progress") in shown
