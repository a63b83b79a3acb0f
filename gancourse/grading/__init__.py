"""Grading: one notebook in a sandbox, then a folder of submissions into tables and feedback.

submission  the official lesson with only the submission's exercise cells
notebook    grade one notebook: run it in a sandbox, probe each check, give the verdicts here
points      points per check and the late policy's arithmetic
gradebook   a folder of submissions -> grades.csv, a Markdown table, feedback files
feedback    what a student reads about their own grade
"""
