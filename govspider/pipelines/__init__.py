"""Item pipelines: validate -> store (MongoDB upsert) -> detect."""
