"""`manage.py report`: anonymous totals, counts only (see lessons/totals.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from lessons.totals import DEFAULT_WEEKS, SMALL_COUNT, totals_collect

HEADINGS = ("Lesson", "Started", "Completed", "Prompts answered")


class Command(BaseCommand):
    help = (
        "Print anonymous totals: spaces created per week, and per lesson how many started, "
        f"completed and answered its prompts. Counts below {SMALL_COUNT} are not shown."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--weeks",
            type=int,
            default=DEFAULT_WEEKS,
            help=f"How many weeks back to count spaces (default {DEFAULT_WEEKS}).",
        )

    def handle(self, *args, weeks: int, **options) -> None:
        totals = totals_collect(weeks=max(1, weeks))
        out = self.stdout.write
        out(f"Anonymous totals, {totals.today:%Y-%m-%d}")
        out(
            "Counts only: never text, never one person. A count below "
            f'{SMALL_COUNT} is shown as "fewer than {SMALL_COUNT}".'
        )
        out("Only what is stored now is counted: deleted spaces and what was in them are not.")
        out("")
        out("Spaces created per week (the date is the Monday the week starts on)")
        for monday, count in totals.weeks:
            out(f"  {monday:%Y-%m-%d}  {count}")
        out("")
        out("Per lesson (prompts answered: one a person a question)")
        rows = [HEADINGS] + [
            (f"{f.module} › {f.lesson}", f.started, f.completed, f.prompts_answered)
            for f in totals.lessons
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(HEADINGS))]
        for row in rows:
            cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            out(("  " + "  ".join(cells)).rstrip())
