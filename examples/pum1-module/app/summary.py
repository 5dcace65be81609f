"""A Python create hook (pum 1.x's HookBase).

It runs inside the install's (or upgrade's) transaction, on the same
connection as the changelogs: it reads the tables they have just created
and adds a view. It must not commit: pum commits the whole run at the end.
"""

from pum import HookBase
from pum.exceptions import PumHookError


class Hook(HookBase):
    def run_hook(self, connection, SRID, lang):
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM wn_od.pipe")
            (pipes,) = cursor.fetchone()
        if not isinstance(SRID, int):
            raise PumHookError(f"SRID should be an integer, not {SRID!r}")
        # {SRID} and {lang} become SQL literals, as in the SQL hooks.
        self.execute(
            "CREATE VIEW wn_app.vw_summary AS "
            "SELECT {SRID}::integer AS srid, {lang}::text AS lang, count(*) AS pipes "
            "FROM wn_od.pipe"
        )
        print(f"wn_app.vw_summary created ({pipes} pipe(s), SRID {SRID}, lang {lang})")
