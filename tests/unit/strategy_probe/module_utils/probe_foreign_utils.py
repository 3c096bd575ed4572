"""Probe: a module_utils outside this project's folder, as a role's library/ might ship."""
