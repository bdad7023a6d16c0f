"""docprompts output: record schema, atomic JSONL sink, manifest, coverage measures."""
