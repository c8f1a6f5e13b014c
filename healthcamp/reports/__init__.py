"""Programme reports: indicators over the visits' decided facts, disclosure-controlled.

Reports count people in aggregate only. The facts table holds no name and no card
code; the participant id in it is only the key that ties a fact to the person's current
consent, and no report ever returns it.
"""
