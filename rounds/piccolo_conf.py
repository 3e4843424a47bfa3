"""Piccolo configuration for its command line (`piccolo migrations ...`)."""

from piccolo.conf.apps import AppRegistry

from rounds.db import APPS, make_engine
from rounds.settings import load_settings

DB = make_engine(load_settings().database_url)  # replaced by rounds.db.migrate()
APP_REGISTRY = AppRegistry(apps=list(APPS))
