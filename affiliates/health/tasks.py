"""“Check now”: one link's destination checked by a job, with the same rules and the
same record as ``manage.py check_link_health`` (``affiliates.health.checker``)."""

from affiliates.admin_display import snippet_url
from affiliates.jobs.running import JobFailed, job_task, queue_job
from affiliates.links.models import AffiliateLink

from .checker import Checker, record
from .models import LinkHealth

KIND = "link_check"


@job_task
def check_link_now(run):
    link = AffiliateLink.objects.filter(pk=run.arguments["link_id"]).first()
    if link is None:
        raise JobFailed("The link has been deleted since.")
    run.progress(0, 1, "Checking the destination")
    # A destination that fails to answer is a result, recorded like any other: only an
    # error of the site's own (the database) makes the job try again.
    record(link, Checker().check(link.destination_url))
    run.progress(1, 1)
    run.result_url = snippet_url(AffiliateLink, "edit", link.pk)
    health = LinkHealth.objects.get(link=link)
    return f"{link.name}: {health.get_status_display()}. {health.reason}"


def queue_link_check(link, *, user):
    return queue_job(
        check_link_now,
        kind=KIND,
        title=f"Check “{link.name}” now",
        user=user,
        arguments={"link_id": link.pk},
    )
