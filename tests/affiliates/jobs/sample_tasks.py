"""Jobs for the tests: they count slowly, and fail when told to.

Each attempt appends a line to the file named by ``attempts_log``, so a test sees how
many times the work ran, and in which process.
"""

import os
import time

from affiliates.jobs.running import job_task


@job_task
def count_slowly(run):
    options = run.arguments
    with open(options["attempts_log"], "a") as log:
        log.write(f"{os.getpid()} attempt {run.attempt}\n")
    if run.attempt <= options.get("failing_attempts", 0):
        raise RuntimeError(f"The partner's API did not answer (attempt {run.attempt})")
    steps = options.get("steps", 1)
    for step in range(1, steps + 1):
        time.sleep(options.get("seconds_per_step", 0))
        run.progress(step, steps, "Counting")
    return f"Counted to {steps}."
