"""``python -m bench.explain``: the plans behind the "my dossiers" figures, and the
candidate rewrites measured against them, on a bench database (``SCALE=national`` by
default; build it first with ``make bench-data``). Nothing is changed: every candidate is
a query built here, next to the selector it would replace.

For each persona it prints ``EXPLAIN (ANALYZE, BUFFERS)`` of the page's list query and of
its pagination count as ``dossier.selectors.dossier_list`` builds them today, then the
median time of the same 25 rows (and count) from each candidate, with its plan when
``VERBOSE=1``, and with ``PAGE=1`` the whole page's median with each candidate patched in:

* ``current``: ``dossier_list(user)`` as it is (guardian subquery joined to
  ``auth_permission``/``django_content_type`` by codename, ``Count("newborns")`` with its
  GROUP BY, one EXISTS per list section, newest first);
* ``subquery_count``: the newborn count as a correlated subquery instead of a GROUP BY, so
  the flags and the count are computed for the 25 rows shown, after the sort and limit;
* ``permission_ids``: that, with the permission ids looked up once instead of joining
  ``auth_permission`` and ``django_content_type`` in every subquery;
* ``ids_ssd_costs``: that, planned with ``random_page_cost = 1.1`` (SSD storage; the
  server's default of 4 makes the planner prefer a sequential scan of all records);
* ``ids_pk_order``: that, newest first by primary key instead of ``created_at`` (the same
  order for records the app creates): the guardian index then yields the page in order and
  only the 25 rows shown are read;
* ``initplan_pk``: ``ids_pk_order`` with each permission id looked up inside the query
  (a scalar subquery, so nothing is cached in Python);
* ``floor``: the plain membership query of ``bench/__main__.py``."""

import os
import statistics
import time

from bench.database import scale_from_environment, use_bench_database

REPEAT = int(os.environ.get("REPEAT") or 30)


def main() -> None:
    scale = scale_from_environment("national")
    use_bench_database(scale, create=False)

    import django

    django.setup()
    from django.contrib.auth.models import User

    for username in ("bench-midwife", "bench-gp"):
        user = User.objects.select_related("professional").get(username=username)
        explain_persona(user)


def captured(run) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        run()
    return [q["sql"] for q in queries.captured_queries]


def plan(statement: str, setting: str = "") -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if setting:
            cursor.execute(setting)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement)
        lines = "\n".join("    " + row[0] for row in cursor.fetchall())
        if setting:
            cursor.execute("RESET ALL")
        return lines


def median_ms(statement: str, setting: str = "") -> float:
    from django.db import connection

    samples = []
    with connection.cursor() as cursor:
        if setting:
            cursor.execute(setting)
        for index in range(REPEAT + 3):
            start = time.perf_counter()
            cursor.execute(statement)
            cursor.fetchall()
            if index >= 3:
                samples.append((time.perf_counter() - start) * 1000)
        if setting:
            cursor.execute("RESET ALL")
    return statistics.median(samples)


def candidates(user) -> dict:
    """name → queryset of the user's list, newest first (unsliced)."""
    from django.contrib.auth.models import Permission
    from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from dossier import selectors
    from dossier.models import Dossier, Newborn
    from network import access
    from network.models import DossierUserObjectPermission

    sections = getattr(access, "LIST_SECTIONS", ("identity",))
    newborns = Subquery(
        Newborn.objects.filter(dossier=OuterRef("pk"))
        .order_by()
        .values("dossier")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )

    def by_codename(section):
        return Exists(
            DossierUserObjectPermission.objects.filter(
                user=user,
                content_object=OuterRef("pk"),
                permission__codename=f"view_{section}",
                permission__content_type__app_label="dossier",
            )
        )

    ids = dict(
        Permission.objects.filter(
            content_type__app_label="dossier", content_type__model="dossier"
        ).values_list("codename", "pk")
    )
    mine = DossierUserObjectPermission.objects.filter(user=user)

    def by_id(section):
        return Exists(
            mine.filter(content_object=OuterRef("pk"), permission_id=ids[f"view_{section}"])
        )

    subquery_count = (
        access.visible_dossiers(user)
        .select_related("mother", "delivery")
        .annotate(
            newborn_count=Coalesce(newborns, 0),
            **{f"can_view_{s}": by_codename(s) for s in sections},
        )
        .order_by("-created_at")
    )
    permission_ids = (
        Dossier.objects.filter(
            pk__in=mine.filter(permission_id=ids["view_dossier"]).values("content_object_id")
        )
        .select_related("mother", "delivery")
        .annotate(
            newborn_count=Coalesce(newborns, 0), **{f"can_view_{s}": by_id(s) for s in sections}
        )
        .order_by("-created_at")
    )

    def permission(codename):  # looked up by the database, in an InitPlan: nothing cached
        return Subquery(
            Permission.objects.filter(codename=codename, content_type__app_label="dossier").values(
                "pk"
            )[:1]
        )

    def by_initplan(section):
        return Exists(
            mine.filter(content_object=OuterRef("pk"), permission_id=permission(f"view_{section}"))
        )

    initplan = (
        Dossier.objects.filter(
            pk__in=mine.filter(permission_id=permission("view_dossier")).values("content_object_id")
        )
        .select_related("mother", "delivery")
        .annotate(
            newborn_count=Coalesce(newborns, 0),
            **{f"can_view_{s}": by_initplan(s) for s in sections},
        )
        .order_by("-pk")
    )
    return {
        "current": (selectors.dossier_list(user), ""),
        "subquery_count": (subquery_count, ""),
        "permission_ids": (permission_ids, ""),
        "ids_ssd_costs": (permission_ids, "SET random_page_cost = 1.1"),
        "ids_pk_order": (permission_ids.order_by("-pk"), ""),
        "initplan_pk": (initplan, ""),
    }


def explain_persona(user) -> None:
    from django.core.paginator import Paginator

    from bench.__main__ import FLOOR_SQL, time_floor

    print(f"\n=== {user.username} ===", flush=True)
    current = candidates(user)["current"][0]
    list_sql = captured(lambda: list(current[:25]))[0]
    count_sql = captured(lambda: Paginator(current, 25).count)[0]
    print("-- list query (25 rows), as dossier_list builds it:")
    print(plan(list_sql))
    print("-- its pagination count:")
    print(plan(count_sql))
    floor = FLOOR_SQL.replace("%s", str(user.professional.pk))
    print("-- floor:")
    print(plan(floor))
    floor_ms = time_floor(user.professional.pk, REPEAT)[0]
    print(f"\n{'candidate':<16} {'list ms':>8} {'count ms':>9} {'list/floor':>10}")
    for name, (queryset, setting) in candidates(user).items():
        statement = captured(lambda q=queryset: list(q[:25]))[0]
        counting = captured(lambda q=queryset: Paginator(q, 25).count)[0]
        list_ms = median_ms(statement, setting)
        print(
            f"{name:<16} {list_ms:8.2f} {median_ms(counting, setting):9.2f} "
            f"{list_ms / floor_ms:10.2f}",
            flush=True,
        )
        if os.environ.get("VERBOSE"):
            print(plan(statement, setting))
            print(plan(counting, setting))
    print(f"{'floor':<16} {floor_ms:8.2f}")
    if os.environ.get("PAGE"):
        page_with_candidates(user)


def page_with_candidates(user) -> None:
    """The whole page (25 rows, test Client, access log included) with the selector as it
    is and with each candidate patched in its place."""
    from bench.__main__ import LIST_ROWS, login, time_page
    from dossier import selectors, views

    client = login(user)
    shipped = selectors.dossier_list, views.PAGE_SIZE
    views.PAGE_SIZE = LIST_ROWS
    print(f"{'page with':<16} {'median ms':>9}")
    try:
        for name, (queryset, setting) in candidates(user).items():
            if setting:
                continue

            def patched(who, *, query="", status="", q=queryset):
                if query or status or who != user:
                    return shipped[0](who, query=query, status=status)
                return q.all()

            selectors.dossier_list = patched
            samples = time_page(client, "/dossiers/", REPEAT)
            print(f"{name:<16} {statistics.median(samples):9.2f}", flush=True)
    finally:
        selectors.dossier_list, views.PAGE_SIZE = shipped


if __name__ == "__main__":
    main()
