"""The kinds of submission (issue 18), one module per subject; importing this package
registers them all (``PortalConfig.ready``). Each kind's ``apply`` calls the back-office's
own service for the subject, so an accepted submission does exactly what a clerk's entry
would have done, and is audited the same way. A module may register reminders for the
provider's page too (``portal.reminders``), and ``deadlines`` has no kind: only reminders."""

from . import annual_report, census, checks, deadlines, fees, money, occupancy, rectification, rosters  # noqa: F401
