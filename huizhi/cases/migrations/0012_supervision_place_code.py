from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_place_codes(apps, schema_editor):
    """Each notice takes its case's place code (one UPDATE with a correlated subquery)."""
    Case = apps.get_model("cases", "Case")
    SupervisionNotice = apps.get_model("cases", "SupervisionNotice")
    db = schema_editor.connection.alias
    SupervisionNotice.objects.using(db).update(
        place_code=Subquery(Case.objects.using(db).filter(pk=OuterRef("case_id")).values("place_code")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_photo_size_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="supervisionnotice",
            name="place_code",
            field=models.CharField(default="", editable=False, max_length=32, verbose_name="place code"),
        ),
        migrations.RunPython(copy_place_codes, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="supervisionnotice",
            index=models.Index(fields=["place_code", "issued_at"], name="supervision_place_issued"),
        ),
    ]
