"""Inside the sandbox's fresh namespaces: lock the filesystem, set limits, drop to a nobody uid, become the runner.

Run by :mod:`.launcher` as ``unshare --pid --fork --kill-child --mount-proc --net --ipc --uts python -m
gancourse.sandbox.namespaces SPEC`` and never imported by the grader. Under bubblewrap (no ``uid`` in
SPEC) bwrap has already built the filesystem and dropped every capability: only steps 4 and 6 run. In order:

1. every mount is remounted read-only (in this mount namespace only; the host is untouched);
2. a fresh size-limited tmpfs becomes the work folder, another one ``/dev/shm``; a folder others may
   not enter on the way to the interpreter (a 0700 ``/root`` holding pyenv) is covered by an open
   tmpfs holding only what is needed;
3. the grader's folders (submissions, grade tables, solutions) are covered by empty read-only tmpfs;
4. resource limits: data memory, processes (counted per uid, and the uid is this sandbox's own),
   CPU seconds, file size, open files;
5. supplementary groups, gid and uid become the sandbox's unprivileged id, so nothing above can be undone;
6. ``exec`` of the runner, which stays PID 1 of the namespace: when it ends, the kernel kills
   every process left in the namespace, including any that called ``setsid``.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import sys

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    1,
    2,
    4,
    8,
    32,
    4096,
    16384,
    1 << 18,
)
_FLAGS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC}
_LIBC = ctypes.CDLL(None, use_errno=True)


def mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = lambda s: None if s is None else s.encode()  # noqa: E731
    if _LIBC.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def mount_points() -> list[tuple[str, int]]:
    """Every mount point of this namespace with the flags it must keep (from /proc/self/mountinfo)."""
    out = []
    for line in open("/proc/self/mountinfo", encoding="utf-8", errors="replace"):
        fields = line.split()
        target = fields[4].encode().decode("unicode_escape")  # "\040" is a space
        keep = sum(f for name, f in _FLAGS.items() if name in fields[5].split(","))
        out.append((target, keep))
    return out


def _blocked(path: str) -> str | None:
    """The first folder on the way to ``path`` that others may not enter (e.g. a 0700 /root), or None."""
    parts = os.path.realpath(path).split("/")[1:]
    for i in range(1, len(parts) + 1):
        folder = "/" + "/".join(parts[:i])
        if os.path.isdir(folder) and not os.stat(folder).st_mode & 0o001:
            return folder
    return None


def open_the_way(need: list[str], keep: str) -> None:
    """Let the unprivileged uid reach the interpreter and the package: a closed folder on the way is covered
    by an open tmpfs that holds only the needed entries, bind-mounted from the original (kept under ``keep``)."""
    for n in range(8):
        blocked = sorted({b for b in map(_blocked, need) if b})
        if not blocked:
            return
        folder = blocked[0]
        entries = sorted(
            {
                os.path.realpath(p)[len(folder) + 1 :].split("/")[0]
                for p in need
                if os.path.realpath(p).startswith(folder + "/")
            }
        )
        held = f"{keep}/{n}"
        os.makedirs(held)
        mount(folder, held, None, MS_BIND | MS_REC)
        mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0755")
        for entry in entries:
            src, dst = f"{held}/{entry}", f"{folder}/{entry}"
            (os.makedirs if os.path.isdir(src) else lambda p: open(p, "wb").close())(dst)
            mount(src, dst, None, MS_BIND | MS_REC)


def lock_filesystem(work: str, hide: list[str], work_mb: int, need: list[str]) -> None:
    mount("none", "/", None, MS_REC | MS_PRIVATE)  # nothing we do here reaches the host
    keep = work + "-keep"
    mount("tmpfs", keep, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0700")
    open_the_way(need, keep)
    for target, keep in mount_points():
        if target.startswith(("/proc", "/sys", "/dev")) and target != "/dev/shm":
            continue
        try:
            mount("none", target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | keep)
        except OSError:
            pass  # a mount we cannot see into; the uid drop still keeps it read-only for files we do not own
    mount("tmpfs", work, "tmpfs", MS_NOSUID | MS_NODEV, f"size={work_mb}m,mode=0700")
    need = [*need, work]
    mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=64m,mode=1777")
    for path in hide:  # never a folder the runner needs (grading from the repository root keeps it readable)
        if os.path.isdir(path) and not any(os.path.realpath(n).startswith(path.rstrip("/") + "/") for n in need):
            mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=0555")


def limit(limits: dict) -> None:
    for name, value in limits.items():
        resource.setrlimit(getattr(resource, name), (value, value))


def drop_privileges(uid: int, work: str) -> None:
    os.chown(work, uid, uid)
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)


def main() -> None:
    spec = json.loads(sys.argv[1])
    as_root = "uid" in spec  # else bubblewrap built the namespaces as an ordinary user
    if as_root:
        lock_filesystem(spec["work"], spec["hide"], spec["work_mb"], spec["need"])
    limit(spec["limits"])
    if as_root:
        drop_privileges(spec["uid"], spec["work"])
    os.chdir(spec["work"])
    os.environ.update(spec["env"])
    os.execv(sys.executable, [sys.executable, "-m", "gancourse.sandbox.runner", *map(str, spec["fds"])])


if __name__ == "__main__":
    main()
