"""Expand only: a `message_reactions` table (one row per member, message and emoji).

Old replicas never read or write it, and no existing column changes, so this is safe to apply
while old and new replicas run side by side.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("parley", "0006_message_versions")]

    operations = [
        ops.CreateModel(
            name="ReactionRow",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("chat_id", fields.CharField(max_length=32)),
                ("message_seq", fields.BigIntField()),
                ("emoji", fields.CharField(max_length=112)),
                ("user_id", fields.CharField(max_length=32)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "message_reactions",
                "app": "parley",
                "unique_together": (("chat_id", "message_seq", "emoji", "user_id"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
