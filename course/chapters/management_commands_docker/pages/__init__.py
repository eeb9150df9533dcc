"""The crawler's one app: the pages a crawler fetched, and when.

The lesson copies ``models.py`` into the project it builds, and the exercises
run their commands against the same model, so the two never drift apart.
"""
