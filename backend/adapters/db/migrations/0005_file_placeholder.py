"""Expand only: a nullable `placeholder` column on `files` (a tiny data: URI preview of an image).

Old replicas never read or write it; rows written before it stay NULL and their clients simply
wait for the thumbnail, so this is safe to apply while old and new replicas run side by side.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("parley", "0004_search")]

    operations = [
        ops.AddField(
            model_name="FileRow",
            name="placeholder",
            field=fields.CharField(null=True, max_length=1024),
        ),
    ]
