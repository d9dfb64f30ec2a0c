"""Collection over real FTP and FTPS servers: what staff would see after each run."""

import errno
import io
import socket

import pytest
from django.core.management import CommandError, call_command

from tests.usage.collection.ftp_servers import (
    DECOY_DIRECTORY,
    HARBOUR_COCE,
    HARBOUR_CTOP,
    HARBOUR_PASSWORD,
    HOSTILE_LISTED,
    HOSTILE_ON_DISK,
    SOUTHERN_CTOP,
    stored_files,
)
from usage.carrier_files.choices import CarrierFileStatusChoices as FileStatus
from usage.carrier_files.models import CarrierFile
from usage.collection import collector as collection_service
from usage.collection.choices import ProviderCollectionStatusChoices as Status
from usage.collection.collector import (
    collection_lock_acquire,
    collection_run_now,
    collection_start,
)
from usage.collection.models import CollectionRun, ProviderCollection
from usage.collection.tasks import collect_all

pytestmark = pytest.mark.usefixtures("queued")


class Sleeps(list):
    """Records back-off waits instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def processing_queued(queued, carrier_file: CarrierFile) -> bool:
    return ("usage.carrier_files.tasks.process_carrier_file", (carrier_file.pk,)) in queued


@pytest.fixture
def collect(django_capture_on_commit_callbacks):
    """Run a collection of every collectable provider here, processing queued files
    (the cluster runs synchronously in tests); the run and its recorded waits."""

    def run(**kwargs):
        sleeps = Sleeps()
        with django_capture_on_commit_callbacks(execute=True):
            result = collection_run_now(sleep=sleeps, **kwargs)
        result.sleeps = sleeps
        return result

    return run


def outcome(run: CollectionRun, slug: str) -> ProviderCollection:
    return run.collections.get(provider__slug=slug)


def files_of(provider) -> dict[str, CarrierFile]:
    return {f.name: f for f in CarrierFile.objects.filter(provider=provider)}


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------------------
# The daily case
# ---------------------------------------------------------------------------


def test_first_collection_fetches_and_ingests_the_samples(ftp_world, collect, queued):
    run = collect()

    harbour = outcome(run, "harbour-voice")
    southern = outcome(run, "southern-wholesale")
    assert run.collections.count() == 2  # Coastal Comms has no FTP settings
    assert run.finished_at is not None

    ctop = files_of(ftp_world["harbour"])[HARBOUR_CTOP]
    assert (ctop.status, ctop.rated, ctop.quarantined) == (
        FileStatus.PROCESSED_WITH_EXCEPTIONS,
        7,
        1,
    )
    assert ctop.source == "ftp"
    gz = files_of(ftp_world["southern"])[SOUTHERN_CTOP]
    assert (gz.status, gz.rated, gz.quarantined) == (FileStatus.PROCESSED_WITH_EXCEPTIONS, 4, 2)

    # COCE is stored and its processing queued, whatever COCE processing does yet.
    coce = files_of(ftp_world["harbour"])[HARBOUR_COCE]
    assert coce.kind == "coce" and coce.size > 0
    assert processing_queued(queued, coce)

    assert (harbour.fetched, harbour.skipped, harbour.duplicates) == (2, 0, 0)
    assert harbour.found == 2 + len(HOSTILE_ON_DISK) + 1  # the two files and the hostile names
    assert harbour.ignored == 4  # README, a partial name, a .part file, a directory
    assert harbour.status == Status.COMPLETED_WITH_ERRORS  # the hostile names
    assert (southern.status, southern.fetched, southern.ignored) == (Status.SUCCEEDED, 1, 1)

    # Nothing but the three files was written: no decoy, no hostile name, no leftover.
    assert stored_files(ftp_world["root"]) == [
        f"harbour-voice/coce/{HARBOUR_COCE}",
        f"harbour-voice/ctop/{HARBOUR_CTOP}",
        f"southern-wholesale/ctop/{SOUTHERN_CTOP}",
    ]


def test_hostile_names_are_refused_and_recorded_never_written(ftp_world, collect):
    run = collect()

    harbour = outcome(run, "harbour-voice")
    refused = {f["name"] for f in harbour.files if f["outcome"] == "refused"}
    assert refused == {*HOSTILE_ON_DISK, HOSTILE_LISTED}
    assert harbour.file_errors == len(refused)
    assert all("not a plain file name" in f["message"] for f in harbour.files if f["name"] in refused)
    assert not CarrierFile.objects.filter(sequence__in=[2, 3, 4, 5]).exists()
    # The file the listed "../" name points at, outside the directory, was not fetched.
    root = ftp_world["root"].parent
    assert not [p for p in root.rglob("CTOP_1234567_00000[2-5]*") if "ftps" not in p.parts]
    assert DECOY_DIRECTORY not in {f["name"] for f in harbour.files}


def test_second_collection_fetches_nothing(ftp_world, collect):
    collect()
    before = CarrierFile.objects.count()

    run = collect()

    assert CarrierFile.objects.count() == before
    harbour, southern = outcome(run, "harbour-voice"), outcome(run, "southern-wholesale")
    assert (harbour.fetched, harbour.skipped) == (0, 2)
    assert (southern.fetched, southern.skipped, southern.status) == (0, 1, Status.SUCCEEDED)


def test_a_new_file_appears_and_only_it_is_fetched(ftp_world, collect, writer):
    collect()
    w = writer(ftp_world["southern"], sequence=2, produced="20261103020000")
    w.call(record_id="SW-NEW-1", special1="jsmith.acme@ssaas.aapt.com.au", seconds=59, price=5)
    name = "CTOP_2345678_000002_20261103020000.txt"
    (ftp_world["ftp"].root / "southern" / name).write_text(w.text())

    run = collect()

    southern = outcome(run, "southern-wholesale")
    assert (southern.fetched, southern.skipped) == (1, 1)
    assert [f["name"] for f in southern.files] == [name]
    new = files_of(ftp_world["southern"])[name]
    assert (new.status, new.rated, new.sequence) == (FileStatus.PROCESSED, 1, 2)
    assert outcome(run, "harbour-voice").fetched == 0


def test_same_content_under_a_new_name_is_a_duplicate_and_not_billed(ftp_world, collect, queued):
    collect()
    home = ftp_world["ftps"].root / "harbour"
    renamed = "CTOP_1234567_000002_20261103013000.txt"
    (home / renamed).write_bytes((home / HARBOUR_CTOP).read_bytes())

    run = collect()

    harbour = outcome(run, "harbour-voice")
    assert (harbour.fetched, harbour.duplicates) == (1, 1)
    twin = files_of(ftp_world["harbour"])[renamed]
    assert twin.status == FileStatus.DUPLICATE and twin.rated == 0
    assert not processing_queued(queued, twin)


def test_listing_without_mlsd_falls_back_to_nlst_and_size(ftp_world, collect):
    ftp_world["ftps"].behaviour.mlsd = False

    harbour = outcome(collect(), "harbour-voice")

    assert set(files_of(ftp_world["harbour"])) == {HARBOUR_CTOP, HARBOUR_COCE}
    assert harbour.fetched == 2
    assert harbour.ignored == 4  # the directory too: SIZE refuses it


def test_active_mode_when_the_provider_turns_passive_off(ftp_world, collect):
    southern = ftp_world["southern"]
    southern.ftp_passive = False
    southern.save()

    assert outcome(collect(), "southern-wholesale").fetched == 1


# ---------------------------------------------------------------------------
# Failures: recorded, nothing partial left, the other provider still collected
# ---------------------------------------------------------------------------


def assert_only_southern_stored(world) -> None:
    assert not CarrierFile.objects.filter(provider=world["harbour"]).exists()
    assert stored_files(world["root"]) == [f"southern-wholesale/ctop/{SOUTHERN_CTOP}"]
    assert files_of(world["southern"])[SOUTHERN_CTOP].status == FileStatus.PROCESSED_WITH_EXCEPTIONS


def test_wrong_password_is_recorded_without_the_password(ftp_world, collect, caplog):
    wrong = "Wr0ng-but-still-s3cret"
    harbour = ftp_world["harbour"]
    harbour.set_ftp_password(wrong)
    harbour.save()
    ftp_world["ftps"].behaviour.echo_password = True  # a server that repeats it back

    run = collect()

    failed = outcome(run, "harbour-voice")
    assert failed.status == Status.FAILED
    assert failed.error.startswith("login refused by the server: 530")
    assert failed.attempts == 1 and run.sleeps == []  # a refusal is not retried
    assert_only_southern_stored(ftp_world)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "login refused" in logged
    for secret in (wrong, HARBOUR_PASSWORD):
        assert secret not in failed.error
        assert secret not in logged
        assert secret not in str(failed.files)


def test_a_server_without_tls_fails_at_once_with_its_reply(ftp_world, collect):
    # FTPS asked of a plain FTP server: "500 Command AUTH not understood" will be the
    # same answer in a minute, so it is not retried three times over three minutes.
    harbour = ftp_world["harbour"]
    harbour.ftp_port = ftp_world["ftp"].port
    harbour.save()

    run = collect()

    failed = outcome(run, "harbour-voice")
    assert failed.status == Status.FAILED
    assert "500" in failed.error and "AUTH" in failed.error
    assert failed.attempts == 1 and run.sleeps == []
    assert_only_southern_stored(ftp_world)


def test_a_server_that_is_down_is_retried_with_back_off_then_recorded(ftp_world, collect):
    harbour = ftp_world["harbour"]
    harbour.ftp_port = closed_port()
    harbour.save()

    run = collect()

    failed = outcome(run, "harbour-voice")
    assert failed.status == Status.FAILED
    assert "connection refused" in failed.error
    assert failed.attempts == 3
    assert run.sleeps == [5, 10]  # COLLECTION_BACKOFF_SECONDS, doubled
    assert_only_southern_stored(ftp_world)


def test_a_server_that_never_answers_times_out(ftp_world, collect, settings):
    settings.COLLECTION_CONNECT_TIMEOUT = 0.3
    settings.COLLECTION_ATTEMPTS = 2
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    harbour = ftp_world["harbour"]
    harbour.ftp_port = silent.getsockname()[1]
    harbour.save()
    try:
        run = collect()
    finally:
        silent.close()

    failed = outcome(run, "harbour-voice")
    assert (failed.status, failed.attempts, run.sleeps) == (Status.FAILED, 2, [5])
    assert "timed out" in failed.error
    assert_only_southern_stored(ftp_world)


def test_an_untrusted_certificate_is_refused_when_verification_is_on(ftp_world, collect, settings):
    settings.FTP_CA_FILE = None

    run = collect()

    failed = outcome(run, "harbour-voice")
    assert failed.status == Status.FAILED
    assert failed.error.startswith("TLS certificate refused")
    assert failed.attempts == 1
    assert_only_southern_stored(ftp_world)


def test_verification_off_accepts_the_untrusted_certificate(ftp_world, collect, settings):
    settings.FTP_CA_FILE = None
    harbour = ftp_world["harbour"]
    harbour.ftp_verify_certificate = False
    harbour.set_ftp_password(harbour.get_ftp_password())  # re-entered: turning checks off clears it
    harbour.save()

    assert outcome(collect(), "harbour-voice").fetched == 2


@pytest.mark.parametrize(
    ("server", "slug", "name", "other"),
    [
        ("ftp", "southern-wholesale", SOUTHERN_CTOP, "harbour-voice"),
        ("ftps", "harbour-voice", HARBOUR_CTOP, "southern-wholesale"),
    ],
)
def test_a_dropped_download_leaves_nothing_and_the_next_run_fetches_it(ftp_world, collect, server, slug, name, other):
    ftp_world[server].behaviour.drop_after[name] = 200

    run = collect()

    dropped = outcome(run, slug)
    assert dropped.status == Status.COMPLETED_WITH_ERRORS
    assert dropped.attempts == 3 and run.sleeps == [5, 10]
    (failure,) = [f for f in dropped.files if f["outcome"] == "failed"]
    assert failure["name"] == name
    assert not CarrierFile.objects.filter(name=name).exists()
    assert not [p for p in stored_files(ftp_world["root"]) if name in p or ".part" in p]
    assert outcome(run, other).fetched >= 1  # the other provider in the same run

    del ftp_world[server].behaviour.drop_after[name]
    again = outcome(collect(), slug)
    assert name in {f["name"] for f in again.files if f["outcome"] == "fetched"}
    assert CarrierFile.objects.get(name=name).status == FileStatus.PROCESSED_WITH_EXCEPTIONS


def test_a_download_dropped_once_is_fetched_by_the_next_attempt(ftp_world, collect):
    behaviour = ftp_world["ftp"].behaviour
    behaviour.drop_after[SOUTHERN_CTOP] = 100
    original = collection_service._Collector._attempt

    def attempt_then_heal(self):
        try:
            return original(self)
        finally:
            if self.provider.slug == "southern-wholesale":
                behaviour.drop_after.clear()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(collection_service._Collector, "_attempt", attempt_then_heal)
        run = collect()

    southern = outcome(run, "southern-wholesale")
    assert (southern.status, southern.attempts, southern.fetched) == (Status.SUCCEEDED, 2, 1)
    assert run.sleeps == [5]  # harbour's refused names are not retried; southern waited once


def test_a_full_disk_fails_that_provider_and_leaves_no_partial_file(ftp_world, collect, monkeypatch):
    real_write = collection_service._Download.write
    full = {"once": True}

    def write(self):
        if full.pop("once", False):

            def fail(data):
                raise OSError(errno.ENOSPC, "No space left on device")

            return fail
        return real_write.fget(self)

    monkeypatch.setattr(collection_service._Download, "write", property(write))

    run = collect()

    failed = outcome(run, "harbour-voice")  # collected first: the disk fills on its first file
    assert failed.status == Status.FAILED
    assert "No space left on device" in failed.error
    assert failed.attempts == 1
    assert_only_southern_stored(ftp_world)


def test_a_failure_recording_a_file_removes_its_stored_bytes(ftp_world, collect, monkeypatch):
    real_save = CarrierFile.save

    def save(self, *args, **kwargs):
        if self.provider.slug == "harbour-voice":
            raise RuntimeError("database went away")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(CarrierFile, "save", save)

    run = collect()

    failed = outcome(run, "harbour-voice")
    assert failed.status == Status.FAILED
    assert "database went away" in failed.error
    assert_only_southern_stored(ftp_world)


# ---------------------------------------------------------------------------
# The lock, the task, the command
# ---------------------------------------------------------------------------


def hold_lock(provider) -> ProviderCollection:
    """Harbour's lock, taken by another collection (queued, never run here)."""
    holder = collection_start(trigger="command", providers=[provider]).collections.get()
    assert collection_lock_acquire(provider_id=provider.pk, holder_id=holder.pk)
    return holder


def test_a_provider_being_collected_is_skipped_by_a_second_collection(ftp_world, collect):
    hold_lock(ftp_world["harbour"])

    run = collect()

    busy = outcome(run, "harbour-voice")
    assert busy.status == Status.BUSY
    assert not CarrierFile.objects.filter(provider=ftp_world["harbour"]).exists()
    assert outcome(run, "southern-wholesale").fetched == 1


def test_a_lock_left_by_a_dead_worker_is_taken_over(ftp_world, collect, settings):
    settings.COLLECTION_LOCK_SECONDS = 0
    hold_lock(ftp_world["harbour"])

    assert outcome(collect(), "harbour-voice").fetched == 2


def test_the_scheduled_task_queues_each_provider(ftp_world, django_capture_on_commit_callbacks, queued):
    with django_capture_on_commit_callbacks(execute=True):
        collect_all()

    run = CollectionRun.objects.get()
    assert run.trigger == "schedule" and run.finished_at is not None
    assert {c.provider.slug: c.fetched for c in run.collections.all()} == {
        "harbour-voice": 2,
        "southern-wholesale": 1,
    }
    collections = [args for func, args in queued if func == "usage.collection.tasks.collect_provider"]
    assert sorted(collections) == sorted((c.pk,) for c in run.collections.all())


def test_collect_command_prints_a_line_per_provider(ftp_world, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("collect", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("harbour-voice: completed with errors — 6 found, 2 fetched")
    assert lines[1] == (
        "southern-wholesale: succeeded — 1 found, 1 fetched (0 duplicate), 0 already received, 1 ignored, 0 file errors"
    )


def test_collect_command_for_one_provider(ftp_world, django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("collect", provider="southern-wholesale", stdout=out)

    assert out.getvalue().startswith("southern-wholesale: succeeded")
    assert not CarrierFile.objects.filter(provider=ftp_world["harbour"]).exists()


def test_collect_command_refuses_a_provider_without_ftp(ftp_world):
    with pytest.raises(CommandError, match="no FTP host"):
        call_command("collect", provider="coastal-comms")


def test_collect_command_exits_non_zero_when_a_provider_failed(ftp_world):
    harbour = ftp_world["harbour"]
    harbour.set_ftp_password("wrong")
    harbour.save()
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("collect", provider="harbour-voice", stdout=out)
    assert exit_.value.code == 1
    assert "failed" in out.getvalue() and "login refused" in out.getvalue()
