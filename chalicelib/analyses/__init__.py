"""Analyses: asked for over REST, run stage by stage by the worker, planned on (ITN)."""
