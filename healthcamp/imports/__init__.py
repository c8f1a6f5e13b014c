"""Bulk data in: files checked whole before anything is written, then written in one
transaction through the same door, consent check and clinical decision as the pages."""
