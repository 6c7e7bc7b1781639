"""Loading an agent without the cyclic garbage collector's cost.

Loading makes about a million objects (ZenML's and LlamaIndex's pydantic models, the
docstore) and no garbage: the collector's passes over them cost ~0.8 s of a cold `ask`, and
its final pass at exit another second. Frozen objects are never scanned again.

>>> with collector_paused():
...     data = [{"n": i} for i in range(1000)]
>>> import gc; gc.isenabled()
True
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off while the block loads; then what was loaded is frozen out of its scans."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
