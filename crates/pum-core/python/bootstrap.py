"""Runs the Python deltas of one pum upgrade (pum, the Rust rewrite).

pum starts this script once per upgrade as ``python -u -c <this source>``
and keeps it running while the upgrade lasts, so every Python delta of the
upgrade runs in one interpreter, as with pum 0.10: modules imported and
``sys.path`` entries added by one delta are there for the next.

Standard input carries JSON lines from pum. The first sets the worker up:

    {"nonce": "...", "pum_exe": "/usr/bin/pum",
     "delta_dirs": ["delta"], "pg_service": "qwat",
     "upgrades_table": "qwat_sys.info",
     "variables": [{"name": "SRID", "type": "int", "value": 2056}, ...]}

Each following line is one file to run:

    {"seq": 1, "file": "delta/delta_1.0.1_x.py", "module_name": "x",
     "current_db_version": "1.0.0"}

Floats travel as strings ("2.5", "nan", "inf") so that they survive JSON.
The worker exits when its standard input closes: after the last file, or,
if pum dies in the middle of a file, at once, leaving the file unfinished.

What a delta sees is pum 0.10's contract (``pum/core/upgrader.py``):

- ``pum.core.deltapy.DeltaPy``, provided here, so Python pum need not be
  installed; a ``pum`` distribution (version 0.10.0) is visible to
  ``importlib.metadata`` and ``pkg_resources`` unless a real one is;
- the file is loaded with ``importlib.util.spec_from_file_location`` under
  the delta's name (``pre-all``, ``post-all``, or the name part of
  ``delta_X.Y.Z_<name>.py``), ``__file__`` is the path as given, and the
  module is not added to ``sys.modules``;
- every subclass of ``DeltaPy`` found in ``dir(module)`` (alphabetical
  order) is instantiated with ``(current_db_version, delta_dir,
  delta_dirs, pg_service, upgrades_table, variables=variables)`` and run;
- ``current_db_version`` is ``pkg_resources.parse_version(...)`` when
  pkg_resources is importable, else ``packaging.version.Version``, else
  a version object of this script that compares with strings and with
  such objects; ``delta_dir`` is ``dirname(file) + os.sep``;
- neither the current directory nor the delta directory is on
  ``sys.path`` (pum 0.10 runs as a console script); the working directory
  is the one pum was started in; standard input is empty.

Protocol messages never mix with the deltas' output: they are lines that
start with the record separator U+001E, ``pum:`` and the nonce, written on
private duplicates of the output descriptors. On standard error:

    <RS>pum:<nonce>:{"type": "ready", "executable": ..., "version": ...}
    <RS>pum:<nonce>:{"type": "warning", "text": ...}
    <RS>pum:<nonce>:{"type": "done", "seq": 1, "ok": true}
    <RS>pum:<nonce>:{"type": "done", "seq": 1, "ok": false,
                     "summary": ..., "traceback": ..., "exit": null}

and on standard output, after everything the file printed there,
``<RS>pum:<nonce>:done:<seq>``. pum waits for both before it goes on.

Nothing in here may print a password: the jobs hold none (a connection
string is handed over as a temporary pg_service file).
"""

import abc
import importlib.util
import inspect
import json
import os
import platform
import queue
import re
import sys
import threading
import traceback
import types
import warnings

_RS = "\x1e"
# The pum 0.x API this module implements, as seen by deltas that check
# pkg_resources.get_distribution("pum").
_PUM_API_VERSION = "0.10.0"


def _make_deltapy_class():
    class DeltaPy(metaclass=abc.ABCMeta):
        """Base class of the Python deltas of pum.

        A delta file defines subclasses of this class and implements
        ``run``; pum creates one instance of each subclass and calls
        ``run`` on it.
        """

        def __init__(self, current_db_version, delta_dir, delta_dirs,
                     pg_service, upgrades_table, variables):
            self.__current_db_version = current_db_version
            self.__delta_dir = delta_dir
            self.__delta_dirs = delta_dirs
            self.__pg_service = pg_service
            self.__upgrades_table = upgrades_table
            self.__variables = variables

        @abc.abstractmethod
        def run(self):
            """Does the work of the delta; implemented by the subclasses."""

        @property
        def variables(self):
            """The variables given with ``-v``: a dict of name to int, float or str."""
            return self.__variables

        @property
        def current_db_version(self):
            """The version of the database before this file, as a version object."""
            return self.__current_db_version

        @property
        def delta_dir(self):
            """The directory of this delta file, ending with a path separator."""
            return self.__delta_dir

        @property
        def delta_dirs(self):
            """All the delta directories of this run, as given."""
            return self.__delta_dirs

        @property
        def pg_service(self):
            """The pg_service name to connect to the database with."""
            return self.__pg_service

        @property
        def upgrades_table(self):
            """The upgrades table, as schema.name."""
            return self.__upgrades_table

        def write_message(self, text):
            """Prints a message, prefixed with the name of the delta class."""
            print("Message from {}: {}".format(self.__class__.__name__, text))

    DeltaPy.__module__ = "pum.core.deltapy"
    DeltaPy.__qualname__ = "DeltaPy"
    return DeltaPy


class _PumVersion(object):
    """A version for interpreters without pkg_resources and packaging.

    Compares with other versions, with strings ("1.2.8") and with
    ``packaging`` / ``pkg_resources`` version objects, by release numbers.
    """

    def __init__(self, text):
        self._text = str(text)
        self.release = _release(self._text)

    def __str__(self):
        return self._text

    def __repr__(self):
        return "<Version({!r})>".format(self._text)

    def __hash__(self):
        return hash(self._key())

    def _key(self):
        release = list(self.release)
        while release and release[-1] == 0:
            release.pop()
        return tuple(release)

    def _other_key(self, other):
        if isinstance(other, _PumVersion):
            return other._key()
        if isinstance(other, str):
            return _PumVersion(other)._key()
        release = getattr(other, "release", None)
        if release is not None:
            return _PumVersion(".".join(str(p) for p in release))._key()
        return None

    def _compare(self, other, op):
        key = self._other_key(other)
        if key is None:
            return NotImplemented
        return op(self._key(), key)

    def __eq__(self, other):
        return self._compare(other, lambda a, b: a == b)

    def __ne__(self, other):
        result = self._compare(other, lambda a, b: a == b)
        return result if result is NotImplemented else not result

    def __lt__(self, other):
        return self._compare(other, lambda a, b: a < b)

    def __le__(self, other):
        return self._compare(other, lambda a, b: a <= b)

    def __gt__(self, other):
        return self._compare(other, lambda a, b: a > b)

    def __ge__(self, other):
        return self._compare(other, lambda a, b: a >= b)

    @property
    def base_version(self):
        return ".".join(str(p) for p in self.release)

    @property
    def public(self):
        return self._text

    @property
    def major(self):
        return self.release[0] if self.release else 0

    @property
    def minor(self):
        return self.release[1] if len(self.release) > 1 else 0

    @property
    def micro(self):
        return self.release[2] if len(self.release) > 2 else 0


# Deltas see it as pum's own version type.
_PumVersion.__name__ = _PumVersion.__qualname__ = "Version"
_PumVersion.__module__ = "pum.version"


def _release(text):
    match = re.match(r"\s*v?(\d+(?:\.\d+)*)", text)
    if not match:
        raise ValueError("Invalid version: {!r}".format(text))
    return tuple(int(p) for p in match.group(1).split("."))


def _normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


class _Worker(object):
    def __init__(self, setup, jobs):
        self.jobs = jobs
        self.nonce = setup["nonce"]
        self.pum_dir = os.path.dirname(setup.get("pum_exe") or "") or os.curdir
        self.delta_dirs = list(setup["delta_dirs"])
        self.pg_service = setup["pg_service"]
        self.upgrades_table = setup["upgrades_table"]
        self.variables = {}
        for entry in setup["variables"]:
            self.variables[entry["name"]] = _variable(entry)
        # Private duplicates: a delta that closes or redirects its output
        # does not break the protocol.
        self.proto_out = os.fdopen(os.dup(1), "w", encoding="utf-8", errors="replace")
        self.proto_err = os.fdopen(os.dup(2), "w", encoding="utf-8", errors="replace")
        self.parse_version = None
        self.deltapy = self._install_pum_modules()
        self._install_metadata_finder()

    # -- what the deltas see ------------------------------------------------

    def _install_pum_modules(self):
        """Registers pum, pum.core and pum.core.deltapy."""
        deltapy_class = _make_deltapy_class()
        real = None
        try:
            real = importlib.util.find_spec("pum")
        except Exception:
            real = None
        pum = types.ModuleType("pum", "pum, as seen by a Python delta")
        core = types.ModuleType("pum.core")
        deltapy = types.ModuleType("pum.core.deltapy")
        # Packages, so `import pum.core.deltapy` works; when a real pum is
        # installed its other modules stay importable.
        locations = list(getattr(real, "submodule_search_locations", None) or [])
        pum.__path__ = locations
        core.__path__ = [os.path.join(p, "core") for p in locations
                         if os.path.isdir(os.path.join(p, "core"))]
        pum.core = core
        core.deltapy = deltapy
        deltapy.DeltaPy = deltapy_class
        sys.modules["pum"] = pum
        sys.modules["pum.core"] = core
        sys.modules["pum.core.deltapy"] = deltapy
        return deltapy_class

    def _metadata_text(self):
        return ("Metadata-Version: 2.1\nName: pum\nVersion: {}\n"
                "Summary: PostgreSQL upgrades manager (provided by the pum "
                "executable that runs this delta)\n").format(_PUM_API_VERSION)

    def _install_metadata_finder(self):
        """Makes a `pum` distribution visible to importlib.metadata."""
        try:
            import importlib.metadata as metadata
            from importlib.machinery import PathFinder
        except ImportError:  # Python < 3.8
            return
        import pathlib
        worker = self

        class PumDistribution(metadata.Distribution):
            def read_text(self, filename):
                if filename in ("METADATA", "PKG-INFO"):
                    return worker._metadata_text()
                return None

            def locate_file(self, path):
                return pathlib.Path(worker.pum_dir) / path

        class PumMetadataFinder(object):
            @classmethod
            def find_spec(cls, *args, **kwargs):
                return None

            @classmethod
            def find_distributions(cls, context=None):
                name = getattr(context, "name", None)
                if name is not None and _normalize(name) != "pum":
                    return iter(())
                path = getattr(context, "path", None) or sys.path
                real = metadata.DistributionFinder.Context(name="pum", path=path)
                if any(True for _ in PathFinder.find_distributions(real)):
                    return iter(())
                return iter((PumDistribution(),))

        sys.meta_path.append(PumMetadataFinder)

    def _version_factory(self):
        """pum 0.10's type for current_db_version, or the closest there is."""
        if self.parse_version is not None:
            return self.parse_version
        with warnings.catch_warnings():
            # pkg_resources warns that it is deprecated when imported.
            warnings.simplefilter("ignore")
            try:
                import pkg_resources
                self._add_pkg_resources_distribution(pkg_resources)
                self.parse_version = pkg_resources.parse_version
                return self.parse_version
            except Exception:
                pass
            try:
                from packaging.version import Version
                self.parse_version = Version
                return self.parse_version
            except Exception:
                pass
        self.parse_version = _PumVersion
        return self.parse_version

    def _add_pkg_resources_distribution(self, pkg_resources):
        working_set = pkg_resources.working_set
        if "pum" in getattr(working_set, "by_key", {}):
            return  # a real pum is installed
        metadata = self._metadata_text()

        class Provider(pkg_resources.EmptyProvider):
            def has_metadata(self, name):
                return name == "PKG-INFO"

            def get_metadata(self, name):
                return metadata if name == "PKG-INFO" else ""

            def get_metadata_lines(self, name):
                return pkg_resources.yield_lines(self.get_metadata(name))

        working_set.add(pkg_resources.Distribution(
            location=self.pum_dir, metadata=Provider(), project_name="pum",
            version=_PUM_API_VERSION))

    # -- the protocol -------------------------------------------------------

    def message(self, payload):
        _flush_output()
        self.proto_err.write(_RS + "pum:" + self.nonce + ":" + json.dumps(payload) + "\n")
        self.proto_err.flush()

    def done(self, seq, payload):
        _flush_output()
        self.proto_out.write(_RS + "pum:" + self.nonce + ":done:" + str(seq) + "\n")
        self.proto_out.flush()
        payload["type"] = "done"
        payload["seq"] = seq
        self.message(payload)

    def ready(self):
        """What the ready message tells pum about this interpreter."""
        return {"type": "ready", "executable": sys.executable,
                "version": platform.python_version()}

    def serve(self):
        self.message(self.ready())
        # The jobs are read by a thread of their own, so that the end of
        # the input is seen at once, even while a file runs. pum closes it
        # between files when the upgrade ends; in the middle of a file it
        # means pum is gone (killed): the worker then exits at once, and
        # the server rolls back what the delta had not committed, instead
        # of the delta finishing unrecorded, perhaps while the next
        # upgrade runs it again.
        jobs = queue.Queue()
        state = {"running": False, "closed": False}
        guard = threading.Lock()

        def read():
            for raw in self.jobs:
                jobs.put(raw)
            with guard:
                if state["running"]:
                    os._exit(70)
                state["closed"] = True
            jobs.put(None)

        threading.Thread(target=read, name="pum-jobs", daemon=True).start()
        while True:
            raw = jobs.get()
            if raw is None:
                return
            if not raw.strip():
                continue
            job = json.loads(raw.decode("utf-8"))
            with guard:
                if state["closed"]:
                    return
                state["running"] = True
            result = self.run_job(job)
            with guard:
                state["running"] = False
            self.done(job["seq"], result)

    def run_job(self, job):
        try:
            ran = self.run_file(job)
        except SystemExit as exc:
            code = exc.code
            if code is None or code == 0:
                return {"ok": True}
            if not isinstance(code, int):
                # sys.exit("message"): Python prints it and exits with 1.
                sys.stderr.write(str(code) + "\n")
                code = 1
            return {"ok": False, "exit": code}
        except BaseException as exc:  # noqa: B902 -- report everything, even Ctrl-C
            summary, text = _describe(exc)
            return {"ok": False, "summary": summary, "traceback": text}
        if ran == 0:
            self.message({"type": "warning", "text":
                          "{} defines no subclass of DeltaPy: nothing was run"
                          .format(job["file"])})
        return {"ok": True}

    def run_file(self, job):
        path = job["file"]
        make_version = self._version_factory()
        version_text = job.get("current_db_version")
        spec = importlib.util.spec_from_file_location(job["module_name"], path)
        if spec is None or spec.loader is None:
            raise ImportError("cannot load {} as a Python module".format(path))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        # pum 0.x adds the separator: deltas build paths as delta_dir + "x.sql".
        delta_dir = os.path.dirname(path) + os.sep
        ran = 0
        for name in dir(module):
            obj = getattr(module, name)
            if (inspect.isclass(obj) and obj is not self.deltapy
                    and issubclass(obj, self.deltapy)):
                version = make_version(version_text) if version_text is not None else None
                instance = obj(version, delta_dir, self.delta_dirs,
                               self.pg_service, self.upgrades_table,
                               variables=self.variables)
                instance.run()
                ran += 1
        return ran


def _flush_output():
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass


def _variable(entry):
    kind = entry["type"]
    value = entry["value"]
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    return str(value)


def _is_internal(filename):
    return filename == "<string>" or filename.startswith("<frozen importlib")


def _describe(exc):
    """The one-line summary and the traceback of `exc`, from the delta on."""
    tb = exc.__traceback__
    # Drop the frames of this script and of importlib that lead to the delta.
    while tb is not None and _is_internal(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    text = "".join(traceback.format_exception(type(exc), exc, tb))
    only = traceback.format_exception_only(type(exc), exc)
    summary = only[-1].strip() if only else type(exc).__name__
    return summary, text


# -- pum 1.x modules: Python hooks sharing the install's transaction --------
#
# With {"mode": "pum1"} in the setup line, the worker holds one psycopg 3
# connection, and pum runs the whole install or upgrade through it (the
# changelogs, the SQL hooks, the pum_migrations rows, the Python hooks), so
# that everything is one transaction. Each job line has an "op":
#
#   {"seq": 1, "op": "connect"}           -> done with "pid" (backend pid)
#   {"seq": 2, "op": "sql", "statements": ["CREATE ...", ...]}
#       -> done ok, or not ok with "index" (the failing statement) and
#          "db_error" (the server's diagnostics)
#   {"seq": 3, "op": "hook", "file": "/abs/app/create_app.py",
#    "base_path": "/abs", "parameters": {"SRID": 2056, ...}}
#   {"seq": 4, "op": "load", "file": ..., "base_path": ..., "parameters": ...}
#       (loads and checks the hook without running it)
#   {"seq": 5, "op": "commit"} / {"seq": 6, "op": "rollback"}
#
# Hooks see pum 1.x's API (pum.HookBase, pum.SqlContent, pum.exceptions):
# the real pum package when the interpreter has it, else the versions
# below. A hook must not end the transaction: commit() and rollback() on
# the connection raise while it runs.

_PUM1_API_VERSION = "1.9.2"


def _make_pum1_modules(psycopg):
    """pum, pum.exceptions, pum.sql_content and pum.hook as pum 1.9.2 has them."""
    exceptions = types.ModuleType("pum.exceptions")
    names = {}

    def exc(name, base, doc):
        cls = type(name, (base,), {"__doc__": doc, "__module__": "pum.exceptions"})
        names[name] = cls
        setattr(exceptions, name, cls)
        return cls

    base = exc("PumException", Exception, "Base class for all exceptions raised by PUM.")
    exc("PumDependencyError", base, "Exception when dependency are not resolved.")
    exc("PumConfigError", base, "Exception raised for errors in the PUM configuration.")
    exc("PumInvalidChangelog", base, "Exception raised for invalid changelog.")
    migration = exc("PumSchemaMigrationError", base,
                    "Exception raised for errors related to schema migrations.")
    exc("PumSchemaMigrationNoBaselineError", migration,
        "Exception raised when no baseline version is found in the migration table.")
    exc("PumHookError", base, "Exception raised for errors by an invalid hook.")
    exc("PumSqlError", base, "Exception raised for SQL-related errors in PUM.")
    for name in ("PgDumpCommandError", "PgDumpFailed", "PgRestoreCommandError",
                 "PgRestoreFailed"):
        exc(name, base, "Exception raised by pg_dump or pg_restore.")
    sql_error = names["PumSqlError"]

    class CursorResult(object):
        """The results of the last statement, kept after the cursor closed."""

        def __init__(self, results=None, description=None, rowcount=0):
            self._pum_results = results
            self._pum_description = description
            self._pum_rowcount = rowcount
            self._pum_index = 0

        @property
        def description(self):
            return self._pum_description

        @property
        def rowcount(self):
            return self._pum_rowcount

        def fetchall(self):
            return self._pum_results if self._pum_results is not None else []

        def fetchone(self):
            if self._pum_results is None or self._pum_index >= len(self._pum_results):
                return None
            row = self._pum_results[self._pum_index]
            self._pum_index += 1
            return row

        def fetchmany(self, size=1):
            if self._pum_results is None:
                return []
            rows = self._pum_results[self._pum_index:self._pum_index + size]
            self._pum_index += len(rows)
            return rows

    def split_file(path):
        with open(str(path)) as f:
            text = f.read()
        # pum 1.x's rules: /* */ comments go, then -- comments that start
        # a line or follow a semicolon.
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
        text = re.sub(r"(?m)(^|;)\s*--.*?(\r\n|\r|\n)", r"\1", text)
        for pattern, why in (
                (r"\bBEGIN\b\s*;", "BEGIN; COMMIT; is not authorized in executed SQL "
                 "since connections are handled by PUM."),
                (r"\bCOMMIT\b\s*;", "BEGIN; COMMIT; is not authorized in executed SQL "
                 "since connections are handled by PUM."),
                (r"SELECT +pg_catalog.set_config.*search_path.*;",
                 "Setting of search path is not authorized in executed SQL as it "
                 "breaks PostGIS installation")):
            if re.search(pattern, text, re.IGNORECASE):
                raise sql_error("SQL contains forbidden transaction statement: " + why)
        blocks = []

        def keep(match):
            blocks.append(match.group(0))
            return "__BLOCK_{}__".format(len(blocks) - 1)

        text = re.sub(r"(\$\$BODY\$\$.*?\$\$BODY\$\$|\$BODY\$.*?\$BODY\$"
                      r"|\$\$DO\$\$.*?\$\$DO\$\$|\$DO\$.*?\$DO\$"
                      r"|\$[A-Za-z0-9_]*\$.*?\$[A-Za-z0-9_]*\$|\$\$.*?\$\$)",
                      keep, text, flags=re.DOTALL | re.IGNORECASE)
        out, cur, single, double, comment, i = [], [], False, False, False, 0
        while i < len(text):
            c = text[i]
            if comment:
                cur.append(c)
                comment = c != "\n"
            elif not single and not double and text[i:i + 2] == "--":
                comment = True
                cur.append("--")
                i += 1
            elif not double and c == "'":
                single = not single
                cur.append(c)
            elif not single and c == '"':
                double = not double
                cur.append(c)
            elif not single and not double and c == ";":
                out.append("".join(cur).strip())
                cur = []
            else:
                cur.append(c)
            i += 1
        if cur:
            out.append("".join(cur).strip())

        def restore(stmt):
            for n, block in enumerate(blocks):
                stmt = stmt.replace("__BLOCK_{}__".format(n), block)
            return stmt

        return [psycopg.sql.SQL(restore(s)) for s in out if s]

    import pathlib

    class SqlContent(object):
        """SQL to run: a string, a psycopg.sql.SQL or a file (a Path)."""

        def __init__(self, sql):
            if not isinstance(sql, (str, psycopg.sql.SQL, pathlib.Path)):
                raise sql_error("SQL must be a string, psycopg.sql.SQL object or a Path "
                                "object, not {}.".format(type(sql)))
            self.sql = sql

        def validate(self, parameters):
            if not self.sql:
                raise sql_error("SQL content is empty.")
            self._prepare_sql(parameters)
            return True

        def execute(self, connection, *, parameters=None, commit=False):
            with connection.cursor() as cursor:
                for code in self._prepare_sql(parameters):
                    statement = code.as_string(connection)
                    try:
                        cursor.execute(statement)
                    except (psycopg.errors.SyntaxError, psycopg.errors.ProgrammingError) as e:
                        raise sql_error("SQL execution failed for the following code: "
                                        "{} {}".format(statement, e)) from e
                if commit:
                    connection.commit()
                try:
                    results = cursor.fetchall()
                    description = cursor.description
                    rowcount = cursor.rowcount
                except psycopg.ProgrammingError:
                    results, description, rowcount = None, None, 0
                return CursorResult(results, description, rowcount)

        def _prepare_sql(self, parameters):
            if isinstance(self.sql, pathlib.Path):
                codes = split_file(self.sql)
            elif isinstance(self.sql, str):
                codes = [psycopg.sql.SQL(self.sql)]
            else:
                codes = [self.sql]
            out = []
            for code in codes:
                for key, value in (parameters or {}).items():
                    if not isinstance(value, (psycopg.sql.Literal, psycopg.sql.Identifier,
                                              psycopg.sql.Composed)):
                        raise sql_error(
                            "Invalid parameter type for key '{}': {}. Parameters must be "
                            "psycopg.sql.Literal or psycopg.sql.Identifier.".format(key, type(value)))
                try:
                    out.append(code.format(**parameters))
                except TypeError:
                    out.append(code)
                except KeyError as e:
                    raise sql_error("SQL preparation failed for the following code: missing "
                                    "parameter: {} {}".format(code, e)) from e
            return out

        @staticmethod
        def prepare_parameters(parameters):
            return {k: psycopg.sql.Literal(v) for k, v in (parameters or {}).items()}

    class HookBase(metaclass=abc.ABCMeta):
        """Base class of pum 1.x's Python application hooks."""

        def __init__(self):
            self._parameters = None

        def _prepare(self, connection, parameters=None):
            import copy
            self._connection = connection
            self._parameters = copy.deepcopy(parameters)

        @abc.abstractmethod
        def run_hook(self, connection, parameters=None):
            raise NotImplementedError("The run_hook method must be implemented in the subclass.")

        def execute(self, sql):
            """Runs SQL (a string, psycopg.sql.SQL or a Path to a file) in the
            install's transaction, with the module's parameters."""
            literals = SqlContent.prepare_parameters(self._parameters)
            SqlContent(sql).execute(connection=self._connection, parameters=literals,
                                    commit=False)

    pum = types.ModuleType("pum", "pum 1.x's API for Python hooks (provided by pum)")
    sql_content = types.ModuleType("pum.sql_content")
    hook = types.ModuleType("pum.hook")
    for cls, mod in ((CursorResult, sql_content), (SqlContent, sql_content),
                     (HookBase, hook)):
        cls.__module__ = mod.__name__
        setattr(mod, cls.__name__, cls)
        setattr(pum, cls.__name__, cls)
    pum.__path__ = []
    pum.__version__ = pum.VERSION = _PUM1_API_VERSION
    pum.SQL = 5
    pum.exceptions = exceptions
    pum.sql_content = sql_content
    pum.hook = hook
    hook.PumHookError = names["PumHookError"]
    hook.PumSqlError = sql_error
    for m in (pum, exceptions, sql_content, hook):
        sys.modules[m.__name__] = m
    return pum


class _Pum1Worker(_Worker):
    def __init__(self, setup, jobs):
        self.jobs = jobs
        self.nonce = setup["nonce"]
        self.pg_service = setup["pg_service"]
        self.dependencies = list(setup.get("dependencies") or [])
        self.proto_out = os.fdopen(os.dup(1), "w", encoding="utf-8", errors="replace")
        self.proto_err = os.fdopen(os.dup(2), "w", encoding="utf-8", errors="replace")
        self.conn = None
        self.hooks = {}
        self.psycopg = None
        self.psycopg_error = None
        self.pum_source = None
        try:
            import psycopg
            self.psycopg = psycopg
        except Exception as exc:  # noqa: B902 -- reported to pum
            self.psycopg_error = "{}: {}".format(type(exc).__name__, exc)
            return
        self.pum = self._pum_module()
        self.hook_error = self.pum.exceptions.PumHookError
        self.sql_error = self.pum.exceptions.PumSqlError

    def _pum_module(self):
        """The real pum 1.x when importable, else the one of this script."""
        try:
            if importlib.util.find_spec("pum") is not None:
                import pum
                import pum.exceptions
                import pum.hook
                import pum.sql_content
                if hasattr(pum.hook, "HookBase"):
                    self.pum_source = "pum " + getattr(pum, "__version__", "?")
                    return pum
        except Exception:
            pass
        for name in [m for m in sys.modules if m == "pum" or m.startswith("pum.")]:
            del sys.modules[name]
        self.pum_source = "bootstrap"
        return _make_pum1_modules(self.psycopg)

    def ready(self):
        payload = _Worker.ready(self)
        versions = {}
        try:
            import importlib.metadata as metadata
        except ImportError:
            metadata = None
        for name in self.dependencies:
            try:
                versions[name] = metadata.version(name) if metadata else None
            except Exception:
                versions[name] = None
        payload.update({
            "psycopg": getattr(self.psycopg, "__version__", None) if self.psycopg else None,
            "psycopg_error": self.psycopg_error,
            "pum": self.pum_source,
            "dependencies": versions,
        })
        return payload

    def _connect(self):
        psycopg = self.psycopg
        worker = self

        class Connection(psycopg.Connection):
            """pum's connection: a hook may not end the install's transaction."""

            def commit(self):
                if worker.in_hook:
                    raise worker.hook_error(
                        "connection.commit() in a hook: pum runs the whole install or "
                        "upgrade in one transaction and commits it at the end; remove the "
                        "commit() from the hook")
                return psycopg.Connection.commit(self)

            def rollback(self):
                if worker.in_hook:
                    raise worker.hook_error(
                        "connection.rollback() in a hook: pum runs the whole install or "
                        "upgrade in one transaction; raise an exception to make it fail "
                        "(everything is then rolled back)")
                return psycopg.Connection.rollback(self)

        self.in_hook = False
        self.conn = Connection.connect(service=self.pg_service, application_name="pum")
        # Notices (RAISE NOTICE...) go back to pum with the job's result.
        self.notices = []
        self.conn.add_notice_handler(lambda diag: self.notices.append(self._db_error(diag)))
        return {"ok": True, "pid": self.conn.info.backend_pid}

    def _db_error(self, exc):
        diag = getattr(exc, "diag", exc)

        def get(name):
            return getattr(diag, name, None) if diag is not None else None

        def number(text):
            try:
                return int(text) if text is not None else None
            except ValueError:
                return None

        return {
            "severity": get("severity") or "ERROR",
            "code": get("sqlstate") or "",
            "message": get("message_primary") or str(exc).strip(),
            "detail": get("message_detail"),
            "hint": get("message_hint"),
            "position": number(get("statement_position")),
            "internal_position": number(get("internal_position")),
            "internal_query": get("internal_query"),
            "context": get("context"),
        }

    def _sql(self, job):
        cursor = self.conn.cursor()
        try:
            for index, statement in enumerate(job["statements"]):
                try:
                    cursor.execute(statement)
                except self.psycopg.Error as exc:
                    return {"ok": False, "index": index, "db_error": self._db_error(exc)}
        finally:
            cursor.close()
        return {"ok": True}

    def _load_hook(self, path, base_path):
        """Loads a hook file as pum 1.9.2's HookHandler does."""
        handler = self.hooks.get(path)
        if handler is not None:
            return handler
        parent = os.path.dirname(os.path.realpath(path))
        additions = [parent]
        base = os.path.realpath(base_path)
        if base != parent:
            additions.append(base)
        for entry in reversed(additions):
            sys.path.insert(0, entry)
        importlib.invalidate_caches()
        try:
            stem = os.path.splitext(os.path.basename(path))[0]
            spec = importlib.util.spec_from_file_location(
                stem, path, submodule_search_locations=[parent])
            module = importlib.util.module_from_spec(spec)
            module.__path__ = [parent]
            sys.modules[stem] = module
            spec.loader.exec_module(module)
            cls = getattr(module, "Hook", None)
            if not cls or not inspect.isclass(cls):
                raise self.hook_error(
                    "Python hook file {} must define a class named 'Hook'.".format(path))
            bases = [b.__name__ for b in inspect.getmro(cls)]
            if "HookBase" not in bases:
                raise self.hook_error(
                    "Class 'Hook' in {} must inherit from HookBase. Found bases: {}"
                    .format(path, ", ".join(bases)))
            if not hasattr(cls, "run_hook"):
                raise self.hook_error("Hook function 'run_hook' not found in {}.".format(path))
            instance = cls()
            args = list(inspect.signature(cls.run_hook).parameters.keys())
            if "connection" not in args:
                raise self.hook_error(
                    "Hook function 'run_hook' in {} must accept 'connection' as an argument."
                    .format(path))
        finally:
            for entry in additions:
                while entry in sys.path:
                    sys.path.remove(entry)
        handler = (instance, [a for a in args if a not in ("self", "connection")], additions)
        self.hooks[path] = handler
        return handler

    def _check_hook(self, job):
        """Loads the hook and checks its run_hook arguments (as pum 1.x does
        when it reads the configuration, before anything runs)."""
        path = job["file"]
        parameters = job.get("parameters") or {}
        handler = self._load_hook(path, job["base_path"])
        for name in handler[1]:
            if name not in parameters:
                raise self.hook_error(
                    "Hook function 'run_hook' in {} has an unexpected argument '{}' which is "
                    "not specified in the parameters.".format(path, name))
        return handler

    def _hook(self, job):
        path = job["file"]
        parameters = job.get("parameters") or {}
        instance, wanted, additions = self._check_hook(job)
        given = {k: v for k, v in parameters.items() if k in wanted}
        instance._prepare(connection=self.conn, parameters=parameters)
        for entry in additions:
            if entry not in sys.path:
                sys.path.insert(0, entry)
        self.in_hook = True
        try:
            instance.run_hook(connection=self.conn, **given)
        except self.sql_error as exc:
            raise self.hook_error(
                "Error executing Python hook from {}: {}".format(path, exc)) from exc
        finally:
            self.in_hook = False
            for entry in additions:
                if entry in sys.path:
                    sys.path.remove(entry)
        status = self.conn.info.transaction_status
        tx = self.psycopg.pq.TransactionStatus
        if status == tx.IDLE:
            return {"ok": False, "ended_transaction": True, "summary":
                    "the hook ended the transaction (a COMMIT or ROLLBACK statement)"}
        if status == tx.INERROR:
            return {"ok": False, "summary": "the hook left the transaction failed: it caught "
                    "a database error and went on (the error is in its output, if it printed "
                    "it); let the error propagate or fix the statement"}
        return {"ok": True}

    def run_job(self, job):
        result = self._run_job(job)
        notices = getattr(self, "notices", None)
        if notices:
            result["notices"] = list(notices)
            del notices[:]
        return result

    def _run_job(self, job):
        op = job.get("op")
        if self.psycopg is None:
            return {"ok": False, "summary": self.psycopg_error}
        try:
            if op == "connect":
                return self._connect()
            if op == "sql":
                return self._sql(job)
            if op == "hook":
                return self._hook(job)
            if op == "load":
                self._check_hook(job)
                return {"ok": True}
            if op == "commit":
                self.psycopg.Connection.commit(self.conn)
                return {"ok": True}
            if op == "rollback":
                if self.conn is not None and not self.conn.closed:
                    self.psycopg.Connection.rollback(self.conn)
                return {"ok": True}
            raise ValueError("unknown job {!r}".format(op))
        except self.psycopg.Error as exc:
            summary, text = _describe(exc)
            return {"ok": False, "summary": summary, "traceback": text,
                    "db_error": self._db_error(exc)}
        except BaseException as exc:  # noqa: B902 -- report everything, even Ctrl-C
            summary, text = _describe(exc)
            return {"ok": False, "summary": summary, "traceback": text}


def _interrupted(signum, frame):
    # psycopg cancels the running statement on KeyboardInterrupt.
    raise KeyboardInterrupt("pum was interrupted")


def _main():
    # The jobs come on a private duplicate of standard input; the deltas
    # (and the programs they start) get an empty one.
    jobs = os.fdopen(os.dup(0), "rb")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    setup = json.loads(jobs.readline().decode("utf-8"))
    # As a console script, pum 0.10 has neither the current directory nor
    # the delta directory on sys.path.
    if sys.path and sys.path[0] == "":
        del sys.path[0]
    sys.argv = [setup.get("pum_exe") or "pum"]
    if setup.get("mode") == "pum1":
        import signal
        signal.signal(signal.SIGTERM, _interrupted)
        _Pum1Worker(setup, jobs).serve()
    else:
        _Worker(setup, jobs).serve()


_main()
