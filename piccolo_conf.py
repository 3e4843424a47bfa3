# Lets `piccolo migrations new rounds_issues --auto` find the configuration from the repo root.
from rounds.piccolo_conf import APP_REGISTRY, DB  # noqa: F401
