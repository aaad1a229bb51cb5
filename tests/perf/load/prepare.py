#!/usr/bin/env python
"""What the load test's users need (issue 20), written into the database the server reads.

``tests/perf/load/run.py`` runs this script with the server's own settings and secrets
(``config.settings.prod``, the same ``*_FILE`` variables), so that the sessions it opens
are signed with the server's key; ``tests/test_bench_load.py`` calls ``build_plan`` in its
own process against a live test server. The plan (JSON, ``--out``) holds:

- **citizens**: the filter values a citizen picks from (leagues, counties with certified
  providers, kinds, grades, childcare modes, fee bounds, keywords) and a sample of
  certified providers' USCCs;
- **clerks**: the scale data's district clerks, each with a confirmed authenticator device
  and a session signed in with the second factor proved, as the verify page leaves it
  (``django.contrib.auth.login``, then ``django_otp.login``: audited as any sign-in; the
  production settings still ask every other session for the code), and a small residents
  roster of the clerk's own providers for the import preview;
- **provider users**: one per certified elderly-care home (one home per county first),
  its access granted, three vacancy reports sent, and a signed-in session.

Idempotent: users, devices and reports made by an earlier run are reused; sessions are new.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys
from importlib import import_module
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
ROSTER_ROWS = 50  # a district's monthly census of one or two homes
USCC_SAMPLE = 500  # provider pages and API records a citizen opens
PORTAL_PREFIX = "load_portal_"  # provider users made here (the scale data has none)
REPORT_DAYS = (1, 2, 3)  # days ago of the vacancy reports each provider user sent
FEE_BOUNDS: list[tuple[int | None, int | None]] = [(None, 2000), (1000, 3000), (2000, 5000), (3000, None)]


def signed_in_session(user: Any, device: Any) -> str:
    """A new session of ``user``, signed in and (with ``device``) past the second factor."""
    import django_otp
    from django.conf import settings
    from django.contrib.auth import login
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/login/", REMOTE_ADDR="127.0.0.1")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    request.user = AnonymousUser()
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if device is not None:
        django_otp.login(request, device)
    request.session.save()
    return str(request.session.session_key)


def confirmed_device(user: Any) -> Any:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _created = TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "TOTP"})
    return device


def citizen_plan(rng: random.Random) -> dict[str, Any]:
    from demo.scale_providers import NAME_WORDS
    from registry.filters import GRADE_CHOICES
    from registry.models import CareMode, Division, Provider, ProviderKind, ProviderStatus

    certified = Provider.objects.filter(status=ProviderStatus.CERTIFIED)
    counties = sorted(set(certified.values_list("division__code", flat=True)))
    county_rows = Division.objects.filter(code__in=counties).values_list("parent__code", "name")
    leagues = sorted({league for league, _name in county_rows if league})
    usccs = list(certified.order_by("?").values_list("uscc", flat=True)[:USCC_SAMPLE])
    keywords = list(NAME_WORDS) + [name.rstrip("区县旗市") for _league, name in list(county_rows)[:5]]
    return {
        "leagues": leagues,
        "counties": counties,
        "kinds": list(ProviderKind.values),
        "childcare_kinds": sorted(ProviderKind.childcare()),
        "grades": [value for value, _label in GRADE_CHOICES],
        "care_modes": list(CareMode.values),
        "fee_bounds": FEE_BOUNDS,
        "keywords": keywords,
        "usccs": rng.sample(usccs, len(usccs)),
    }


def clerk_plan(count: int, folder: Path) -> list[dict[str, Any]]:
    from perf import benchmarks as b

    from demo.kinds import RESIDENTIAL_KINDS
    from demo.scale import STAFF_PREFIX
    from registry.models import Provider, ProviderStatus, User

    clerks: list[dict[str, Any]] = []
    users = User.objects.filter(username__startswith=f"{STAFF_PREFIX}clerk_", is_active=True, is_staff=True)
    for user in users.select_related("jurisdiction").order_by("username"):
        if len(clerks) == count:
            break
        if user.jurisdiction is None:
            continue
        homes = Provider.objects.filter(
            division__path__startswith=user.jurisdiction.path,
            kind__in=RESIDENTIAL_KINDS,
            status__in=[ProviderStatus.FILED, ProviderStatus.CERTIFIED],
        )
        usccs = list(homes.order_by("uscc").values_list("uscc", flat=True)[:2])
        if not usccs:
            continue
        roster = folder / f"residents-{user.pk}.xlsx"
        roster.write_bytes(b.build_roster_xlsx(ROSTER_ROWS, seed=user.pk, usccs=usccs))
        clerks.append(
            {
                "username": user.username,
                "county": user.jurisdiction.code,
                "session": signed_in_session(user, confirmed_device(user)),
                "roster": str(roster),
            }
        )
    return clerks


def provider_plan(count: int) -> list[dict[str, Any]]:
    from django.db import transaction
    from django.utils import timezone

    from demo.portal import report
    from portal.access import access_grant
    from portal.models import Submission
    from registry.models import Provider, ProviderKind, ProviderStatus, User

    homes = Provider.objects.filter(kind=ProviderKind.ELDERLY_INSTITUTION, status=ProviderStatus.CERTIFIED, beds__gt=0)
    first_per_county = list(homes.order_by("division__code", "uscc").distinct("division__code")[:count])
    others = homes.exclude(pk__in=[p.pk for p in first_per_county]).order_by("uscc")
    chosen = first_per_county + list(others[: count - len(first_per_county)])
    today = timezone.localdate()
    plan = []
    for provider in chosen:
        with transaction.atomic():
            user, created = User.objects.get_or_create(
                username=f"{PORTAL_PREFIX}{provider.uscc.lower()}", defaults={"email": ""}
            )
            if created:
                user.set_unusable_password()  # signed in here; no password to expire
                user.save(update_fields=["password"])
                access_grant(user=user, provider=provider, actor=None)
            sent = Submission.objects.filter(provider=provider, created_by=user)
            if not sent.exists():
                for days in REPORT_DAYS:
                    report(provider, user, today - datetime.timedelta(days=days), 0.8)
        plan.append(
            {
                "username": user.username,
                "provider": provider.pk,
                "submissions": list(sent.order_by("pk").values_list("pk", flat=True)),
                "session": signed_in_session(user, confirmed_device(user)),
            }
        )
    return plan


def build_plan(*, clerks: int, providers: int, folder: Path, seed: int = 20) -> dict[str, Any]:
    """Everything the user classes of ``locustfile.py`` read, for ``clerks`` clerk users
    and ``providers`` provider users (fewer if the data has fewer)."""
    rng = random.Random(seed)
    return {
        "citizen": citizen_plan(rng),
        "clerks": clerk_plan(clerks, folder),
        "providers": provider_plan(providers),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="where the plan (JSON) goes")
    parser.add_argument("--folder", required=True, help="where the clerks' roster files go")
    parser.add_argument("--clerks", type=int, default=64)
    parser.add_argument("--providers", type=int, default=64)
    args = parser.parse_args()
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    if os.environ.get("DJANGO_SETTINGS_MODULE") != "config.settings.prod":
        sys.exit("prepare: run with the server's settings (config.settings.prod), as run.py does.")
    import django

    django.setup()
    from django.conf import settings

    plan = build_plan(clerks=args.clerks, providers=args.providers, folder=Path(args.folder))
    # The page cache's setting as the server reads it (None: this code has no page cache).
    plan["page_cache_seconds"] = getattr(settings, "PUBLIC_CACHE_SECONDS", None)
    Path(args.out).write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
