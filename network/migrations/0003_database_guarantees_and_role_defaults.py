"""What the database itself guarantees, whatever code writes:

* every care network has exactly one active coordinator from its first membership on
  (checked at commit, so a handover can end one and start the other in one transaction);
* the access log is append-only: UPDATE and DELETE are refused.

And the role defaults seeded from the built-in policy table (network.access)."""

from django.db import migrations

ONE_COORDINATOR = """
CREATE FUNCTION network_check_one_coordinator() RETURNS trigger AS $$
DECLARE
    target bigint := COALESCE(NEW.dossier_id, OLD.dossier_id);
    coordinators integer;
    members integer;
BEGIN
    SELECT count(*) FILTER (WHERE role = 'coordinator' AND ended_at IS NULL), count(*)
      INTO coordinators, members
      FROM network_membership WHERE dossier_id = target;
    IF members > 0 AND coordinators <> 1 THEN
        RAISE EXCEPTION 'dossier % must have exactly one active care coordinator, has %',
            target, coordinators USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER membership_exactly_one_coordinator
    AFTER INSERT OR UPDATE OR DELETE ON network_membership
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION network_check_one_coordinator();
"""

APPEND_ONLY = """
CREATE FUNCTION network_access_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only: % is not allowed', TG_OP
        USING ERRCODE = '42501';
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER accessevent_append_only
    BEFORE UPDATE OR DELETE ON network_accessevent
    FOR EACH ROW EXECUTE FUNCTION network_access_log_append_only();
"""


def seed_defaults(apps, schema_editor):
    from network.access import default_level
    from network.models import Role
    from dossier.sections import Section

    RoleDefault = apps.get_model("network", "RoleDefault")
    RoleDefault.objects.bulk_create(
        [RoleDefault(role=role, section=section, level=default_level(role, section))
         for role in Role for section in Section],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("network", "0002_organisation_province_professional_municipality_and_more")]

    operations = [
        migrations.RunSQL(ONE_COORDINATOR, reverse_sql="""
            DROP TRIGGER membership_exactly_one_coordinator ON network_membership;
            DROP FUNCTION network_check_one_coordinator();"""),
        migrations.RunSQL(APPEND_ONLY, reverse_sql="""
            DROP TRIGGER accessevent_append_only ON network_accessevent;
            DROP FUNCTION network_access_log_append_only();"""),
        migrations.RunPython(seed_defaults, migrations.RunPython.noop),
    ]
