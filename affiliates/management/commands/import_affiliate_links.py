"""Import affiliate links from a CSV file, all rows or none (see affiliates.importing)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from affiliates.importing.plan import (
    MAX_FILE_BYTES,
    ImportFileError,
    apply_import,
    decode,
    plan_import,
)


class Command(BaseCommand):
    help = (
        "Create and update affiliate links from a CSV file (columns: name, slug, "
        "destination_url, partner, redirect_status, pass_query_parameters, is_active, "
        "fallback_url, notes). Links are matched by slug. If any row has an error, "
        "nothing is imported and the command exits with status 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The CSV file (UTF-8, header row first).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and show what would change, without changing anything.",
        )

    def handle(self, *args, path, dry_run, **options):
        try:
            with path.open("rb") as file:
                # One byte over the limit is enough for decode() to refuse the file.
                data = file.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            raise CommandError(f"Can't read {path}: {error.strerror}.") from None
        try:
            text = decode(data)
            plan = plan_import(text) if dry_run else apply_import(text)
        except ImportFileError as error:
            raise CommandError(f"Nothing was imported. {error}") from None

        for row in plan.rows:
            if row.action == "create":
                self.stdout.write(f"Line {row.line}: create {row.link.slug}")
            elif row.action == "update":
                changes = "; ".join(f"{c.field}: {c.old} → {c.new}" for c in row.changes)
                self.stdout.write(f"Line {row.line}: update {row.link.slug} ({changes})")
        if plan.new_partners and not plan.errors:
            self.stdout.write(f"New partners: {', '.join(plan.new_partners)}")
        for error in plan.errors:
            self.stderr.write(str(error))

        if plan.errors:
            raise CommandError(
                f"{len(plan.errors)} error{'s' if len(plan.errors) != 1 else ''} in {path}; "
                "nothing was imported."
            )
        if dry_run:
            self.stdout.write(f"Dry run, nothing changed. Would be: {plan.summary()}.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {path}: {plan.summary()}."))
