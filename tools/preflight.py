"""Checks `make` runs before it builds .venv: says what to install instead of failing half-way.

Runs with whatever ``$(PYTHON)`` is, so it uses only syntax that old Pythons can parse (no
f-strings): a Python 3.6 must still get our message, not a SyntaxError.
"""

import platform
import sys

NEED = (3, 10)


def problems(version, system, machine, has_venv):
    """The set-up problems of a machine, each one line that says what to do."""
    found = []
    if tuple(version[:2]) < NEED:
        found.append(
            "gancourse needs Python %d.%d or newer, and %s is Python %d.%d: install a newer Python "
            "(e.g. apt install python3.11 python3.11-venv) and run `PYTHON=python3.11 make lab`."
            % (NEED + (sys.executable,) + tuple(version[:2]))
        )
    elif not has_venv:
        found.append(
            "%s cannot create virtual environments (the venv/ensurepip modules are missing): install them "
            "(Debian/Ubuntu: `sudo apt install python3-venv`, or python3.X-venv for your version), then run "
            "`make lab` again." % sys.executable
        )
    if system == "Darwin" and machine == "x86_64":
        found.append(
            "PyTorch publishes no wheels newer than 2.2.2 for Intel Macs, and the course needs torch 2.4 or "
            "newer: open the lessons in Google Colab (README: 'Open in Colab') or use a Linux or Apple Silicon machine."
        )
    return found


def _has_venv():
    try:
        import ensurepip  # noqa: F401
        import venv  # noqa: F401
    except ImportError:
        return False
    return True


def main():
    found = problems(sys.version_info, platform.system(), platform.machine(), _has_venv())
    for line in found:
        sys.stderr.write("gancourse set-up: " + line + "\n")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
