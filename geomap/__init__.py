"""geomap: what each news article claims happened where, on a static map site."""

__version__ = "0.1.0"
