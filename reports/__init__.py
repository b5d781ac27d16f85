"""Jinja2 templates of the migration review, shipped as package data of ``scanner.reports``."""
