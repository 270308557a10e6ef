"""Analyses: asked for over REST, run stage by stage by the worker, planned on (ITN).

A ranking's page sizes are here, where both the service (requests.py) and its models
(models.py, loaded only when a body is parsed) read them.
"""
RANKINGS_PAGE = 100
RANKINGS_MAX_PAGE = 1000
