"""Piccolo configuration for its command line (`piccolo migrations ...`)."""

from piccolo.conf.apps import AppRegistry

from rounds.db import APPS, make_engine
from rounds.settings import load_settings

# Replaced by rounds.migrations.migrate(); importing this module must create no files.
DB = make_engine(load_settings().database_url, create=False)
APP_REGISTRY = AppRegistry(apps=list(APPS))
