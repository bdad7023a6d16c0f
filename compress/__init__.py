"""docprompts compress stage: offline tokenizers, token budgets, prompt rendering."""
