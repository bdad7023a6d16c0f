"""Site profiles with the small hooks that need code."""
from .kafka import KAFKA

PROFILES = {KAFKA.name: KAFKA}
