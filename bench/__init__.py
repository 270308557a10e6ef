"""Timing of the analysis stages (`make bench`, i.e. `python -m bench`)."""
