"""Built-in platform and detector plugins (registered through the ``govspider`` entry points)."""
