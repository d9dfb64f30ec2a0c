"""Runs one measured step of a benchmark in a fresh process and prints JSON.

Used by bench/*.py; not meant to be run by hand."""

import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssaas.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402


def ingest(path: str, slug: str) -> dict:
    import io

    out = io.StringIO()
    started = time.perf_counter()
    call_command("ingest_ctop", path, provider=slug, stdout=out)
    return {"seconds": time.perf_counter() - started, "summary": json.loads(out.getvalue().splitlines()[-1])}


def cleanse(slug: str) -> dict:
    from providers.models import Provider
    from usage.ctop.quarantine import quarantine_cleanse

    provider = Provider.objects.get(slug=slug)
    started = time.perf_counter()
    action = quarantine_cleanse(provider=provider)
    return {
        "seconds": time.perf_counter() - started,
        "considered": action.considered,
        "rated": action.rated,
    }


def main() -> None:
    step, *args = sys.argv[1:]
    result = {"ingest": ingest, "cleanse": cleanse}[step](*args)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main()
