"""One page in, sections out: pure stages."""
