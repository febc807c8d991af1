"""govspider: crawl, store and audit Chinese government new-media accounts.

The package is the framework only. Platforms (social media, app stores, web pages)
and detectors live under ``plugins/`` and are registered through the ``govspider`` entry-point
group, the same way a third-party package adds its own.
"""

__version__ = "0.1.0"
