"""``python -m local_control_plane {build,up,down,kubelet,schedules,sts,cloudwatch-logs,status}``.

The Makefile's local targets, and the daemons `up` starts.
"""

from __future__ import annotations

import json
import sys

from .binaries import BuildError
from .environment import LocalError


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "up"
    try:
        if command == "build":
            from .binaries import ensure

            for name, path in sorted(ensure().items()):
                print(f"{name}: {path}")
        elif command == "up":
            from .up import main as up

            up()
        elif command == "down":
            from .down import main as down

            down()
        elif command == "kubelet":
            from .kubelet import serve
            from .layout import Layout

            serve(Layout())
        elif command == "schedules":
            from .layout import Layout
            from .schedules import serve as schedules

            schedules(Layout())
        elif command == "sts":
            from .layout import Layout
            from .sts import local_sts_daemon

            local_sts_daemon(Layout())
        elif command == "cloudwatch-logs":
            from .cloudwatch_logs import serve as cloudwatch_logs
            from .layout import Layout

            cloudwatch_logs(Layout())
        elif command == "status":
            from .environment import Environment

            env = Environment()
            for path in sorted((env.layout.run / "status").glob("*.json")):
                status = json.loads(path.read_text())
                print(f"{status['pod']:60} {status['phase']:12} ready={status['ready']}")
        else:
            print(f"unknown command {command!r}; use build, up, down, kubelet, schedules, sts, "
                  "cloudwatch-logs or status",
                  file=sys.stderr)
            return 2
    except (LocalError, BuildError) as err:
        print(f"local control plane: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
