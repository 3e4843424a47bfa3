"""Load and durability checks against the real server (`python -m tests.reliability.run`)."""
