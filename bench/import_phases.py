"""Run ``zoufang ARGS…`` in-process, printing RSS (now / peak, MiB) after each step of
``zoufang import`` to stderr (docs/benchmarks.md, "Issue 17, continued (streamed workbook)").

    python bench/import_phases.py --db COPY.db import EXPORT.xlsx --format json >out.json

``MEASURE_ALLOW_150827=1`` adds the region code 150827 to the division table in this process
only (the cached county ledger's ID numbers carry it; for measuring, never for a real ledger).
"""
import sys, time, functools
def rss():
    d = {}
    for line in open("/proc/self/status"):
        k, _, v = line.partition(":")
        if k in ("VmRSS", "VmHWM"):
            d[k] = int(v.split()[0]) // 1024
    return d
T0 = time.time()
def log(what):
    d = rss(); print(f"[phase] {what:<28} t={time.time()-T0:6.1f}s rss={d['VmRSS']} MiB peak={d['VmHWM']} MiB", file=sys.stderr, flush=True)
from zoufang.services import workbook_import as wi, history_import as hi, heard_import as he, workbook_file as wf
def wrap(obj, name, label):
    f = getattr(obj, name)
    @functools.wraps(f)
    def g(*a, **k):
        r = f(*a, **k); log(label); return r
    setattr(obj, name, g)
wrap(wf, "read_workbook", "read_workbook (headers)")
wi.read_workbook = wf.read_workbook
for m in ("cadres","funds","households_","members","visits_","commitments","ledger","exit_households"):
    wrap(wi._Import, m, m)
wrap(hi.HistoryImport, "__init__", "history read")
wrap(hi.HistoryImport, "finish", "history finish")
wrap(he, "import_wishes", "wishes"); wi_ = None
wrap(he, "import_suggestions", "suggestions")
import os
if os.environ.get("MEASURE_ALLOW_150827"):
    import zoufang.parsing as _p
    _codes = _p.division_codes() | {"150827"}
    _p.division_codes = lambda: _codes
log("start")
from zoufang.cli import main
sys.argv = ["zoufang", *sys.argv[1:]]
try:
    main()
finally:
    log("end")
