"""Expand only: an upload session is one multipart object now, so it keeps the store's handle,
the parts' tags, the running SHA-256 state and the markup scan between chunks.

The old `part_ids` column stays (nothing reads it); a session begun by an older replica has no
handle and is swept like any session never completed.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("parley", "0007_reactions")]

    operations = [
        ops.AddField(
            model_name="UploadRow",
            name="handle",
            field=fields.CharField(default="", max_length=255),
        ),
        ops.AddField(model_name="UploadRow", name="tags", field=fields.TextField(default="")),
        ops.AddField(
            model_name="UploadRow",
            name="hash_state",
            field=fields.CharField(default="", max_length=224),
        ),
        ops.AddField(
            model_name="UploadRow", name="markup", field=fields.BooleanField(default=False)
        ),
        ops.AddField(
            model_name="UploadRow",
            name="tail",
            field=fields.CharField(default="", max_length=64),
        ),
    ]
