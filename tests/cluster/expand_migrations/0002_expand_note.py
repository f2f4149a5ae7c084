# noqa: N999 - Tortoise names migration files by number
"""Expand only: a nullable column that the running release neither reads nor writes."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("parley", "0001_initial")]

    operations = [
        ops.AddField(
            model_name="EventRow",
            name="note",
            field=fields.CharField(max_length=64, null=True),
        ),
    ]
