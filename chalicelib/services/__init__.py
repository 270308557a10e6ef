"""Use cases behind the routes and triggers; each takes the caller first."""
