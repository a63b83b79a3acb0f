"""The sandbox: one isolated process per graded notebook, and the channel the grader talks to it over.

launcher    starts the process with the strongest protection this machine allows, and kills all of it after
namespaces  runs first inside the Linux namespaces (mounts, uid, limits), then becomes the runner
runner      the student's side: executes the notebook's cells, answers probe requests with plain values
frames      the length-prefixed frames both sides write (JSON and tensors, never pickles from the student)
reaper      finds and kills whatever a sandbox left behind, also after a crashed grader
"""
