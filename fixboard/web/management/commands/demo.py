"""fixboard demo: load the demo city (Los Angeles) into an empty installation."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from fixboard.accounts.models import User
from fixboard.core.commands import command_error, progress_stream
from fixboard.demo.loader import ACCOUNTS, demo_needed, load_demo

LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1", "testserver", ".localhost"}


class Command(BaseCommand):
    help = _(
        "Load the demo city, Los Angeles: its 15 council districts and 99 neighborhood "
        "councils, departments, service types with their questions, about 18,000 real "
        "requests of December 2017 and January 2020, and one account per role with a "
        "published password. Does nothing when the installation already serves a "
        "jurisdiction. For evaluation only."
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

    def handle(self, *args, allow_public, **options):
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
        self._print_logins()

    def _load(self):
        return load_demo(track=self._track, progress=True)

    def _track(self, steps):
        bar = tqdm(steps, desc=_("Demo city"), unit=_("step"), file=progress_stream(self))
        with bar:
            for label, run in bar:
                bar.set_postfix_str(str(label))
                yield label, run

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
