"""Expand only: a nullable `placeholder` column on `files` (a tiny data: URI preview of an image)
and an `uploads` table of resumable upload sessions.

Old replicas never read or write either; rows written before stay NULL and their clients simply
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
        ops.CreateModel(
            name="UploadRow",
            fields=[
                (
                    "id",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32),
                ),
                ("key", fields.CharField(unique=True, max_length=64)),
                ("chat_id", fields.CharField(max_length=32)),
                ("uploader_id", fields.CharField(db_index=True, max_length=32)),
                ("name", fields.CharField(max_length=255)),
                ("size", fields.BigIntField()),
                ("received", fields.BigIntField(default=0)),
                ("part_ids", fields.TextField(default="")),
                (
                    "created_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={"table": "uploads", "app": "parley", "pk_attr": "id"},
            bases=["Model"],
        ),
    ]
