from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="ChatRow",
            fields=[
                (
                    "id",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32),
                ),
                ("kind", fields.CharField(max_length=8)),
                ("title", fields.CharField(max_length=128)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("last_seq", fields.BigIntField(default=0)),
                ("last_message_seq", fields.BigIntField(default=0)),
                ("direct_key", fields.CharField(null=True, unique=True, max_length=65)),
            ],
            options={"table": "chats", "app": "parley", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="EventRow",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("chat_id", fields.CharField(max_length=32)),
                ("seq", fields.BigIntField()),
                ("type", fields.CharField(max_length=24)),
                ("actor_id", fields.CharField(max_length=32)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("target_seq", fields.BigIntField(null=True)),
                ("client_msg_id", fields.CharField(null=True, max_length=64)),
                ("content_hash", fields.CharField(null=True, max_length=64)),
                (
                    "data",
                    fields.JSONField(
                        default=dict,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
            ],
            options={
                "table": "chat_events",
                "app": "parley",
                "unique_together": (("chat_id", "seq"), ("actor_id", "client_msg_id")),
                "pk_attr": "id",
                "table_description": "The per-chat event log: one row per `seq`, committed with the chat's `last_seq`.",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MemberRow",
            fields=[
                (
                    "id",
                    fields.BigIntField(
                        generated=True, primary_key=True, unique=True, db_index=True
                    ),
                ),
                ("chat_id", fields.CharField(max_length=32)),
                ("user_id", fields.CharField(db_index=True, max_length=32)),
                ("role", fields.CharField(max_length=8)),
                ("joined_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("last_read_seq", fields.BigIntField(default=0)),
            ],
            options={
                "table": "members",
                "app": "parley",
                "unique_together": (("chat_id", "user_id"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="MessageRow",
            fields=[
                (
                    "id",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=48),
                ),
                ("chat_id", fields.CharField(max_length=32)),
                ("seq", fields.BigIntField()),
                ("sender_id", fields.CharField(max_length=32)),
                ("text", fields.TextField(null=True, unique=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("edited_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("deleted", fields.BooleanField(default=False)),
                ("client_msg_id", fields.CharField(null=True, max_length=64)),
                (
                    "attachments",
                    fields.JSONField(
                        default=list,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("reply_to_seq", fields.BigIntField(null=True)),
            ],
            options={
                "table": "messages",
                "app": "parley",
                "unique_together": (("chat_id", "seq"),),
                "pk_attr": "id",
                "table_description": "Message contents for the embedded SQL message store (Elasticsearch holds them otherwise).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="SessionRow",
            fields=[
                (
                    "id",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32),
                ),
                ("family_id", fields.CharField(db_index=True, max_length=32)),
                ("user_id", fields.CharField(db_index=True, max_length=32)),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("device_name", fields.CharField(max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("expires_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("rotated_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("revoked_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("replaced_by", fields.CharField(null=True, max_length=32)),
            ],
            options={"table": "sessions", "app": "parley", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="UserRow",
            fields=[
                (
                    "id",
                    fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32),
                ),
                ("username", fields.CharField(max_length=32)),
                ("username_key", fields.CharField(unique=True, max_length=32)),
                ("email", fields.CharField(max_length=254)),
                ("email_key", fields.CharField(unique=True, max_length=254)),
                ("display_name", fields.CharField(max_length=64)),
                ("password_hash", fields.CharField(max_length=255)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={"table": "users", "app": "parley", "pk_attr": "id"},
            bases=["Model"],
        ),
    ]
