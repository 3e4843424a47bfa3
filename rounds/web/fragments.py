"""Template fragments rendered once per distinct input, then reused (a bounded LRU per process).

For a fragment a page repeats many times and people reload all day: the tracking log's rows
(measured: the 50 rows were the largest single cost of the most used page). A fragment is a
Jinja macro, named "template.html:macro":

    {{ fragment.each("issues/_row.html:row", log.issues, today=log.today) }}   (one call per list)
    {{ fragment("issues/_row.html:row", i=issue, today=today) }}

Safe by construction: a macro in an imported template sees only its arguments (and the
environment's constant globals), never the page's context, and its output is cached under exactly
those arguments - change any value and it is another entry: no invalidation, no stale row, nothing
of one person's page in another's. Arguments must be hashable by value (see issues.log.LogRow).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from jinja2 import Environment
from markupsafe import Markup


class FragmentCache:
    def __init__(self, env: Environment, maxsize: int):
        self.env = env
        self._macros: dict[str, Callable[..., str]] = {}
        self._cached = lru_cache(maxsize=maxsize)(self._render) if maxsize > 0 else self._render

    def __call__(self, ref: str, /, **arguments) -> Markup:
        return self._cached(ref, **arguments)

    def each(self, ref: str, items, /, *, name: str = "i", **shared) -> Markup:
        """The fragment once per item (passed as `name`), joined: one call for a whole list."""
        cached = self._cached
        return Markup("".join([cached(ref, **{name: item}, **shared) for item in items]))

    def _render(self, ref: str, /, **arguments) -> Markup:
        macro = self._macros.get(ref)
        if macro is None:
            template, _, macro_name = ref.partition(":")
            macro = self._macros[ref] = getattr(self.env.get_template(template).module, macro_name)
        return Markup(macro(**arguments))
