"""Sizes every layer agrees on: the API validates with them, the relational columns hold them.

One definition, so a schema can never accept what a column cannot store (ids of 33-64 characters
once passed validation and failed inside a shared write transaction).
"""

from __future__ import annotations

ID_MAX_CHARS = 32  # ids are uuid4 hex strings; every id column is this wide
CLIENT_MSG_ID_MAX_CHARS = 64
SEQ_MAX = 2**53  # a seq, page cursor or read marker: exact in JSON numbers, far below BIGINT
