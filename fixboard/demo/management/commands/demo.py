"""fixboard demo: load the demo city (Los Angeles) into an empty installation, then bring
its dates up to today and give its staff some work."""

import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from fixboard.accounts.models import User
from fixboard.core.commands import command_error, progress_stream
from fixboard.demo.living import LivingResult, bring_to_life, demo_jurisdiction
from fixboard.demo.loader import ACCOUNTS, demo_needed, load_demo

LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1", "testserver", ".localhost"}


class Command(BaseCommand):
    help = _(
        "Load the demo city, Los Angeles: its 15 council districts and 99 neighborhood "
        "councils, departments, service types with their questions, about 18,000 real "
        "requests of December 2017 and January 2020, and one account per role with a "
        "published password. Does nothing when the installation already serves a "
        "jurisdiction. Then, on every run, moves the demo's dates by whole weeks so that its "
        "newest request is from the last seven days (weekdays and local hours kept; what "
        "that puts after now has not happened yet), and gives the staff account a few "
        "Sanitation requests to work on. For evaluation only."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-public",
            action="store_true",
            help=_(
                "Load even though ALLOWED_HOSTS names public hosts (the demo accounts' "
                "passwords are published)."
            ),
        )
        parser.add_argument(
            "--keep-dates",
            action="store_true",
            help=_(
                "Leave the demo as loaded: its dates as the city recorded them (2017 and "
                "2020), not moved up to today, and no work given to the staff account."
            ),
        )

    def handle(self, *args, allow_public, keep_dates, **options):
        public = [h for h in settings.ALLOWED_HOSTS if h not in LOCAL_HOSTS]
        if public and not allow_public:
            raise CommandError(
                _(
                    "This installation answers to %(hosts)s, and the demo creates accounts "
                    "whose passwords are published. Load it on a private machine, or pass "
                    "--allow-public if that is really what you want."
                )
                % {"hosts": ", ".join(public)}
            )
        result = None
        if demo_needed():
            try:
                result = self._load()
            except ValidationError as exc:
                raise command_error(exc, intro=_("The demo could not be loaded:")) from exc
        if result is None:
            self.stdout.write(_("A jurisdiction already exists, so the demo was not loaded."))
        else:
            self._report(result)
        demo = demo_jurisdiction()
        if demo is not None and not keep_dates:
            try:
                living = bring_to_life(demo, track=self._track_living)
            except ValidationError as exc:
                raise command_error(
                    exc, intro=_("The demo could not be brought up to date:")
                ) from exc
            self._report_living(living)
        self._print_logins()

    def _load(self):
        return load_demo(track=self._track, progress=True)

    def _track(self, steps):
        bar = tqdm(steps, desc=_("Demo city"), unit=_("step"), file=progress_stream(self))
        with bar:
            for label, run in bar:
                bar.set_postfix_str(str(label))
                yield label, run

    def _track_living(self, steps):
        bar = tqdm(steps, desc=_("Moving dates"), unit=_("step"), file=progress_stream(self))
        with bar:
            for label, run in bar:
                bar.set_postfix_str(str(label))
                yield label, run

    def _report_living(self, living: LivingResult) -> None:
        shift, work = living.shift, living.work
        if shift.newest_before is None:
            pass  # no requests: nothing to move
        elif not shift.weeks:
            self.stdout.write(
                _("The demo's newest request is from %(d)s: its dates are already recent.")
                % {"d": _local(shift.newest_after, living.jurisdiction)}
            )
        else:
            rows = ", ".join(f"{count:,} {name}" for name, count in shift.rows.items() if count)
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "Moved the demo's dates %(w)d weeks later (its newest request is now "
                        "from %(d)s): %(rows)s."
                    )
                    % {
                        "w": shift.weeks,
                        "d": _local(shift.newest_after, living.jurisdiction),
                        "rows": rows,
                    }
                )
            )
            if shift.not_yet:
                self.stdout.write(
                    _(
                        "%(e)s timeline events would now be in the future: they have not "
                        "happened yet, so %(r)s requests closed later are open again."
                    )
                    % {"e": f"{shift.not_yet:,}", "r": f"{shift.reopened:,}"}
                )
        if work.assigned:
            self.stdout.write(
                _(
                    "Assigned %(n)d open Sanitation requests to the staff account "
                    "(%(a)d acknowledged, %(p)d in progress, %(notes)d internal notes)."
                )
                % {
                    "n": work.assigned,
                    "a": work.statuses.get("acknowledged", 0),
                    "p": work.statuses.get("in_progress", 0),
                    "notes": work.notes,
                }
            )

    def _report(self, result) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Loaded %(name)s: %(cd)d council districts, %(nc)d neighborhood councils, "
                    "%(d)d departments, %(s)d service types, %(r)d requests."
                )
                % {
                    "name": result.jurisdiction.name,
                    "cd": result.areas.get("council-district", 0),
                    "nc": result.areas.get("neighborhood-council", 0),
                    "d": result.departments,
                    "s": result.service_types,
                    "r": result.requests,
                }
            )
        )
        skipped = result.requests_skipped
        if skipped:
            reasons = ", ".join(f"{reason} ({count})" for reason, count in skipped.most_common())
            self.stdout.write(
                _("%(n)d rows of the city's files were not imported: %(r)s.")
                % {"n": skipped.total(), "r": reasons}
            )

    def _print_logins(self) -> None:
        users = {
            u.username: u for u in User.objects.filter(username__in=[a.username for a in ACCOUNTS])
        }
        working = [
            a
            for a in ACCOUNTS
            if a.username in users and users[a.username].check_password(a.password)
        ]
        if not working:
            return
        self.stdout.write(_("Demo logins (sign in at /login/; the city admin also at /admin/):"))
        for account in working:
            self.stdout.write(
                f"  {account.username:<8} {account.password:<18} {account.description}"
            )


def _local(moment, jurisdiction) -> str:
    return f"{moment.astimezone(zoneinfo.ZoneInfo(jurisdiction.timezone)):%A %Y-%m-%d %H:%M}"
