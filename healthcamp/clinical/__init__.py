"""Clinical rules, pure: no Django, no database, no other healthcamp package.

The measurement catalogue (reference tables as data, each cut-off with its source) and
the classification of a value against it. A clinician reviews this folder alone.
"""
