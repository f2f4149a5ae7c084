"""Expand only: a `version` column on `messages`, the seq of the event that wrote the row.

Rows written before hold 0, older than any event, so the first versioned write over them applies.
Old replicas never write the column (their updates leave it as it is), so this is safe to apply
while old and new replicas run side by side.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("parley", "0005_files_preview_uploads")]

    operations = [
        ops.AddField(
            model_name="MessageRow",
            name="version",
            field=fields.BigIntField(default=0),
        ),
    ]
