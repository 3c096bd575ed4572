"""Masclet Imperi sample backend."""
