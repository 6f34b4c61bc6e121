from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("wall", "0004_echo_notes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="post",
            index=models.Index(
                fields=["place_code", "published_at"],
                include=("answered_at", "echoed_at"),
                name="post_place_published",
            ),
        ),
    ]
