"""Lists that stay bounded (issue 16): the ``coordinate_dossier`` marker.

``network.access.recompute_permissions`` writes a ``coordinate_dossier`` permission row for
a record's active coordinator while the record is not closed, beside her
``current_dossier`` marker; ``network.access.coordinated_sections`` (the
screenings panel of "Mijn dossiers", the watch list) walks those rows on the guardian index
(user, permission, dossier) instead of probing every open record's coordinator.

This migration declares the permission and writes the marker for the records open now: the
coordinator of each, where she holds the record's ``current_dossier`` marker (an active
user of an open record; one INSERT … SELECT, 92,000 rows and 11 s on the national data
set), then analyses the table. On a new database there is nothing to mark: Django creates
the permission after migrating."""

from django.db import migrations

CODENAME = "coordinate_dossier"
NAME = "Record not closed: in its coordinator's lists"

MARK_COORDINATORS = """
INSERT INTO network_dossieruserobjectpermission (user_id, permission_id, content_object_id)
SELECT g.user_id, %s, g.content_object_id
  FROM network_dossieruserobjectpermission g
  JOIN network_professional p ON p.user_id = g.user_id
  JOIN network_membership m ON m.dossier_id = g.content_object_id AND m.professional_id = p.id
 WHERE g.permission_id = %s AND m.role = 'coordinator' AND m.ended_at IS NULL
ON CONFLICT DO NOTHING
"""


def mark_coordinators(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type = ContentType.objects.filter(app_label="dossier", model="dossier").first()
    current = Permission.objects.filter(
        content_type=content_type, codename="current_dossier"
    ).first()
    if content_type is None or current is None:
        return  # a new database: no records yet
    marker, _created = Permission.objects.get_or_create(
        content_type=content_type, codename=CODENAME, defaults={"name": NAME}
    )
    schema_editor.execute(MARK_COORDINATORS, [marker.pk, current.pk])
    # The planner's statistics then know the new permission: 92,000 rows in a table of 30
    # million stay far below autovacuum's threshold for analysing it again (10 %).
    schema_editor.execute("ANALYZE network_dossieruserobjectpermission")


def unmark(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    marker = Permission.objects.filter(
        content_type__app_label="dossier", content_type__model="dossier", codename=CODENAME
    ).first()
    if marker is not None:
        schema_editor.execute(
            "DELETE FROM network_dossieruserobjectpermission WHERE permission_id = %s",
            [marker.pk],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("dossier", "0028_consult_reminded"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("network", "0013_organisation_province_choice"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="dossier",
            options={
                "ordering": ["-created_at"],
                "permissions": [
                    ("view_identity", "Can view section identity"),
                    ("change_identity", "Can change section identity"),
                    ("view_prenatal", "Can view section prenatal"),
                    ("change_prenatal", "Can change section prenatal"),
                    ("view_psychosocial", "Can view section psychosocial"),
                    ("change_psychosocial", "Can change section psychosocial"),
                    ("view_delivery", "Can view section delivery"),
                    ("change_delivery", "Can change section delivery"),
                    ("view_postnatal", "Can view section postnatal"),
                    ("change_postnatal", "Can change section postnatal"),
                    ("view_newborn", "Can view section newborn"),
                    ("change_newborn", "Can change section newborn"),
                    ("view_careplan", "Can view section careplan"),
                    ("change_careplan", "Can change section careplan"),
                    ("view_homehelp", "Can view section homehelp"),
                    ("change_homehelp", "Can change section homehelp"),
                    ("current_dossier", "Record not closed: in the current lists"),
                    (CODENAME, NAME),
                ],
                "verbose_name": "maternity record",
                "verbose_name_plural": "maternity records",
            },
        ),
        migrations.RunPython(mark_coordinators, unmark, elidable=False),
    ]
