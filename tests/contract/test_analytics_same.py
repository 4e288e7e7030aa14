"""The planner analytics give the same answers on every backend (memory is the oracle)."""

from __future__ import annotations

from itertools import pairwise

from graph import analytics as A
from graph.model import Catalog
from graph.store import GraphStore
from graph.stores.memory import MemoryStore

NEV = ("nev.construction", "nev.production", "nev.circulation", "nev.aftermarket")


def test_analytics_agree_on_the_shipped_catalog(
    shipped_backend: GraphStore, shipped: Catalog
) -> None:
    oracle = A.survey(MemoryStore(shipped))
    served = A.survey(shipped_backend)
    assert served.version == oracle.version
    assert [p.plan for p in served.positions] == [p.plan for p in oracle.positions]
    assert A.candidates(served, limit=20) == A.candidates(oracle, limit=20)
    assert A.candidates(served, leave_out=["b.wm"]) == A.candidates(oracle, leave_out=["b.wm"])
    assert A.bottlenecks(served, limit=50) == A.bottlenecks(oracle, limit=50)
    for a, b in pairwise(NEV):
        assert A.position_diff(served, "nev", a, b) == A.position_diff(oracle, "nev", a, b)
    assert A.what_if(served, bundle="b.nev.qcxs", add=["m.wm.bgdw"]) == A.what_if(
        oracle, bundle="b.nev.qcxs", add=["m.wm.bgdw"]
    )
    assert A.what_if(served, bundle="b.wm", remove=["m.qy.sl"]) == A.what_if(
        oracle, bundle="b.wm", remove=["m.qy.sl"]
    )
    proposal = ["m.qy.sl", "m.wm.bgdw", "m.wm.hgbg"]
    assert A.what_if(served, matters=proposal) == A.what_if(oracle, matters=proposal)
