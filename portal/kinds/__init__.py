"""The kinds of submission (issue 18), one module per subject; importing this package
registers them all (``PortalConfig.ready``). Each kind's ``apply`` calls the back-office's
own service for the subject, so an accepted submission does exactly what a clerk's entry
would have done, and is audited the same way."""

from . import annual_report, census, fees, occupancy, rosters  # noqa: F401
