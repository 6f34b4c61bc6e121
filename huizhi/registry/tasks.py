"""The registry's background work: importing an uploaded residents sheet."""

from django_tasks import task

from huizhi.registry import sheet
from huizhi.registry.services.importing import registry_import_run


@task()
def run_registry_import(job_id: int) -> str:
    """Import the queued job's sheet; returns the job's final status.

    An unusable file is an expected outcome, told on the job's page, not a task failure; anything
    else is raised after the job is marked failed, so the worker logs it with its traceback."""
    try:
        job = registry_import_run(job_id)
    except sheet.SheetError:
        return "failed"
    return job.status
