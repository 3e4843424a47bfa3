"""Programme measures: one definition each (definitions.py), counted in SQL (service.py), the
"needs help" flag (needs_help.py), and the board report's trends (trends.py, charts.py)."""
