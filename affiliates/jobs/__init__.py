"""Background jobs: imports, exports and link checks that run in the job worker.

A ``Job`` is what an editor sees (Jobs, in the admin): who queued it, its status,
progress, attempts, result or errors, and a file to download. django-tasks carries it:
each attempt is one delivery of a ``@job_task`` function to ``manage.py db_worker``
(``affiliates.jobs.running`` says how attempts are claimed, retried and recovered).

Shared by every concern, like ``permissions``: it imports nothing of the app but the
shared modules. The concerns' job functions live with them (``importing.tasks``,
``reports.tasks``, ``health.tasks``) and import this package.
"""
