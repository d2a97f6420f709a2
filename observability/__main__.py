"""``python -m observability [DIR]``: write the Grafana dashboards (default: dashboards/)."""

from __future__ import annotations

import sys
from pathlib import Path

from observability.dashboards import dashboards


def main(argv: list[str]) -> None:
    target = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent / "dashboards"
    target.mkdir(parents=True, exist_ok=True)
    for name, dashboard in dashboards().items():
        (target / name).write_text(dashboard.to_json())
        print(target / name)


if __name__ == "__main__":
    main(sys.argv[1:])
