"""Import a network's conversion report (see docs/earnings.md), all rows or none."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from affiliates.earnings.formats import FORMATS, ReportErrors, read_report
from affiliates.earnings.models import Network
from affiliates.earnings.recording import record_conversions

#: Larger than any monthly report; a file this size is still read in seconds.
MAX_FILE_BYTES = 200 * 1024 * 1024


class Command(BaseCommand):
    help = (
        "Record the sales in a network's report, tied to the clicks they name. A sale is "
        "stored once per network and transaction id: the same file twice changes nothing, "
        "a later one updates statuses and amounts. If any line has an error, nothing is "
        "recorded and the command exits with status 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The report, as CSV (UTF-8).")
        parser.add_argument(
            "--format",
            choices=sorted(FORMATS),
            default="generic",
            help="The report's format (default generic: transaction_id,click_id,date,"
            "status,sale_amount,commission,currency).",
        )
        parser.add_argument(
            "--network",
            help="The network the sales are from (created if new); default the format's "
            "network (Awin, CJ, Impact, ShareASale, Amazon Associates, Other network).",
        )

    def handle(self, *args, path, format, network, **options):  # noqa: A002
        report = FORMATS[format]
        try:
            with path.open("rb") as file:
                data = file.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            raise CommandError(f"Can't read {path}: {error.strerror}.") from None
        if len(data) > MAX_FILE_BYTES:
            raise CommandError(f"{path} is larger than {MAX_FILE_BYTES // 2**20} MB; split it.")
        try:
            rows = read_report(data, report)
        except ReportErrors as problems:
            for line, message in problems.errors:
                self.stderr.write(f"Line {line}: {message}")
            count = len(problems.errors)
            raise CommandError(
                f"{count} error{'s' if count != 1 else ''} in {path}; nothing was recorded."
            ) from None
        network_record, _ = Network.objects.get_or_create(name=network or report.network)
        outcome = record_conversions(network_record, rows, source=f"file {path.name}")
        if outcome.unmatched_lines:
            lines = ", ".join(map(str, outcome.unmatched_lines[:20]))
            more = " …" if len(outcome.unmatched_lines) > 20 else ""
            self.stdout.write(
                f"No click found for the sales on line(s) {lines}{more}: kept, unmatched."
            )
        self.stdout.write(str(outcome))
