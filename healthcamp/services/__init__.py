"""Services: one module per capability.

Every function that touches a person goes through the door (healthcamp.access).
"""
