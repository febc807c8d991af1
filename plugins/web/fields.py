"""What web pages carry (``Platform.fields``: the data dictionary is generated from it)."""

FIELDS: dict[str, dict[str, str]] = {
    "pages": {"title": "", "text": "", "raw_html": "", "links": "", "fetched_at": ""},
}
