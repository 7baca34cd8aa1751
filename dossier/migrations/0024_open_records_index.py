"""Lists that stay bounded (issue 16): the ``current_dossier`` marker.

``network.access.recompute_permissions`` writes a ``current_dossier`` permission row beside
``view_dossier`` for everyone who may open a record while it is not closed;
``network.access.current_dossiers`` walks those rows on the guardian index (user,
permission, dossier) that every access query already uses, so a professional's lists walk
her open records, not every record of her career. No new index: the marker rows are the
index entries.

This migration declares the permission and writes the marker for the records open now (one
INSERT … SELECT; ≈400,000 rows on the national data set, where 83 % of the records are
closed). On a new database there is nothing to mark: Django creates the permission after
migrating."""

from django.db import migrations

CODENAME = "current_dossier"

MARK_OPEN_RECORDS = """
INSERT INTO network_dossieruserobjectpermission (user_id, permission_id, content_object_id)
SELECT g.user_id, %s, g.content_object_id
  FROM network_dossieruserobjectpermission g
  JOIN dossier_dossier d ON d.id = g.content_object_id
 WHERE g.permission_id = %s AND d.status <> 'closed'
ON CONFLICT DO NOTHING
"""


def mark_open_records(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type = ContentType.objects.filter(app_label="dossier", model="dossier").first()
    view = Permission.objects.filter(content_type=content_type, codename="view_dossier").first()
    if content_type is None or view is None:
        return  # a new database: no records yet
    marker, _created = Permission.objects.get_or_create(
        content_type=content_type,
        codename=CODENAME,
        defaults={"name": "Record not closed: in the current lists"},
    )
    schema_editor.execute(MARK_OPEN_RECORDS, [marker.pk, view.pk])


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
        ("dossier", "0023_prenatal_labs_and_dating"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("network", "0002_organisation_province_professional_municipality_and_more"),
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
                    (CODENAME, "Record not closed: in the current lists"),
                ],
                "verbose_name": "maternity record",
                "verbose_name_plural": "maternity records",
            },
        ),
        migrations.RunPython(mark_open_records, unmark, elidable=False),
    ]
