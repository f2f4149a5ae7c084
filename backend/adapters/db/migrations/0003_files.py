"""Expand only: the `files` table of attachments (metadata; the bytes live in the blob store)."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("parley", "0002_calls")]

    operations = [
        ops.CreateModel(
            name="FileRow",
            fields=[
                (
                    "id",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32),
                ),
                ("key", fields.CharField(unique=True, max_length=64)),
                ("chat_id", fields.CharField(db_index=True, max_length=32)),
                ("uploader_id", fields.CharField(db_index=True, max_length=32)),
                ("name", fields.CharField(max_length=255)),
                ("size", fields.BigIntField()),
                ("content_type", fields.CharField(max_length=127)),
                ("sha256", fields.CharField(max_length=64)),
                ("width", fields.IntField(null=True)),
                ("height", fields.IntField(null=True)),
                ("has_thumbnail", fields.BooleanField(default=False)),
                ("inline", fields.BooleanField(default=False)),
                ("claim", fields.CharField(null=True, max_length=64)),
                ("message_seq", fields.BigIntField(null=True)),
                ("deleted", fields.BooleanField(default=False)),
                (
                    "created_at",
                    fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False),
                ),
            ],
            options={
                "table": "files",
                "app": "parley",
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
