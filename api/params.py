"""Integer path and query parameters bounded to what an id column can hold.

The id columns are INTEGER: 32 bits on PostgreSQL, which refuses a larger value in a query
("integer out of range"). A number beyond that (2^31, 2^63 and more) is the client's mistake:
422, never a 500 or 503 from the driver. Ids start at 1.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_ID = 2**31 - 1

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int, Query(ge=1, le=MAX_ID)]
