"""django-q2 entry point for jobs: it takes the id and calls the service."""

from usage.jobs.services import job_run


def run_job(job_id: int) -> str:
    job = job_run(job_id=job_id)
    return f"{job}: {job.summary or job.error}"
