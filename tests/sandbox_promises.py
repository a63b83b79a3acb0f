"""Run as an ordinary user by tests/test_sandbox_rootless.py: every promise of the sandbox table, one cell each.

``python tests/sandbox_promises.py '{"port": ..., "outside": ..., "secret": ..., "home": ...}'`` prints one
JSON object: the protection ``auto`` chose, and for each promise the error line the cell raised (or None).
"""

import json
import os
import sys

from gancourse.sandbox.choice import protection
from gancourse.sandbox.frames import receive_json, send_json
from gancourse.sandbox.launcher import Limits, Sandbox

DAEMON = (
    "import os, subprocess\n"
    "if os.fork() == 0:\n"
    "    os.setsid()\n"
    "    subprocess.Popen(['sleep', '{marker}'], env={{}})\n"  # a cleared environment: no marker to find it by
    "    os._exit(0)\n"
)


def run(box: Sandbox, source: str) -> str | None:
    send_json(box.req_w, {"op": "cell", "source": source})
    return receive_json(box.rep_r, 60)["error"]


def main() -> None:
    spec = json.loads(sys.argv[1])
    out = {"uid": os.getuid(), "mode": protection()}
    cells = {
        "network": f"import socket\nsocket.create_connection(('127.0.0.1', {spec['port']}), timeout=3)",
        "write_outside": f"open({spec['outside'] + '/escaped.txt'!r}, 'w').write('x')",
        "secret_empty": f"import os\nassert os.listdir({spec['secret']!r}) == [], os.listdir({spec['secret']!r})",
        "home_empty": f"import os\nassert os.listdir({spec['home']!r}) == [], os.listdir({spec['home']!r})",
        "own_folder": "open('mine.txt', 'w').write('ok')",
        "grader_invisible": f"import os\nos.kill({os.getpid()}, 0)",
        "few_pids": "import os\nassert len([p for p in os.listdir('/proc') if p.isdigit()]) <= 4",
        "memory": "x = bytearray(3 << 30)",
        "daemon": DAEMON.format(marker=spec["sleep"]),
        "processes": "import os\nkids = [os.fork() or os._exit(0) for _ in range(40)]",
    }
    with Sandbox([spec["secret"]], Limits(processes=16)) as box:
        box.hello(60)
        out |= {name: run(box, source) for name, source in cells.items()}
    out["survivors"] = box.survivors
    print(json.dumps(out))


if __name__ == "__main__":
    main()
