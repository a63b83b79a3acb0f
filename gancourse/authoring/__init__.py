"""Authoring: student lessons generated from the solution notebooks, workspaces, Colab links, and a lean nbformat.

lessons        solution -> lesson (exercise regions emptied, checks kept), copied once into a workspace
notebooks      where the course's notebooks live (a checkout or the installed package)
colab          the install cell and the "Open in Colab" link
nbformat_lite  nbformat without jsonschema's slow grammars
"""
