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

    def serve(self):
        self.message({"type": "ready", "executable": sys.executable,
                      "version": platform.python_version()})
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
    _Worker(setup, jobs).serve()


_main()
