"""Instructor and student tools: the lesson generator, the check runner, the grader and the gradebook."""
