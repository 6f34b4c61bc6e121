from django.db import migrations, models


def stale_from_their_start(apps, schema_editor):
    # Imports left "running" before there was a heartbeat: their start is their last sign of life,
    # so the ones still stuck are marked failed the next time they are read.
    ImportJob = apps.get_model("registry", "ImportJob")
    ImportJob.objects.filter(status="running").update(alive_until=models.F("started_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0002_resident_account_residencyclaim"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="alive_until",
            field=models.DateTimeField(blank=True, null=True, verbose_name="alive until"),
        ),
        migrations.RunPython(stale_from_their_start, migrations.RunPython.noop),
    ]
