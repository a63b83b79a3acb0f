"""The sandbox: one isolated process per graded notebook, and the channel the grader talks to it over.

choice      which protection this machine allows (namespaces as root, bubblewrap as anyone, a container, none)
launcher    starts the process in that protection, and kills all of it after
namespaces  runs first inside the Linux namespaces (mounts, uid, limits), then becomes the runner
bubblewrap  the namespaces without root: the bwrap command line
container   one Docker or Podman container per notebook (macOS, Windows)
runner      the student's side: executes the notebook's cells, answers probe requests with plain values
frames      the length-prefixed frames both sides write (JSON and tensors, never pickles from the student)
reaper      finds and kills whatever a sandbox left behind, also after a crashed grader
"""
