from django.db import migrations

APPEND_ONLY = """
CREATE FUNCTION careplan_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER planversion_append_only BEFORE UPDATE OR DELETE ON careplan_planversion
    FOR EACH ROW EXECUTE FUNCTION careplan_append_only();
CREATE TRIGGER annotation_append_only BEFORE UPDATE OR DELETE ON careplan_annotation
    FOR EACH ROW EXECUTE FUNCTION careplan_append_only();
"""
REVERSE = """
DROP TRIGGER annotation_append_only ON careplan_annotation;
DROP TRIGGER planversion_append_only ON careplan_planversion;
DROP FUNCTION careplan_append_only();
"""


class Migration(migrations.Migration):
    """A version and an annotation, once written, are never changed or removed (R16)."""

    dependencies = [("careplan", "0001_care_plan")]

    operations = [migrations.RunSQL(APPEND_ONLY, reverse_sql=REVERSE)]
