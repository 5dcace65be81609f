"""Runs one Python delta file for pum (the Rust rewrite).

pum starts this script as ``python -u -c <this source>`` and writes the job,
as one JSON object, to the script's standard input, then closes it:

    {
      "file": "delta/delta_1.0.1_x.py",   # path of the delta, as given
      "module_name": "delta_1.0.1_x",
      "current_db_version": "1.0.0",      # or null
      "delta_dirs": ["delta"],
      "pg_service": "qwat",
      "upgrades_table": "qwat_sys.info",
      "variables": [{"name": "SRID", "type": "int", "value": 2056}, ...]
    }

Variables of type "float" carry their value as a string ("2.5", "nan",
"inf") so that non-finite numbers survive JSON.

The script provides the ``pum.core.deltapy`` module that pum 0.x deltas
import, loads the delta file as a module, and runs every subclass of
``DeltaPy`` it finds, in the alphabetical order of ``dir(module)``.

Protocol lines on standard error, read by pum and never shown as output:

    pum-warning: <text>      something the user should know (exit status 0)
    pum-exception: <json>    the delta raised; {"summary": ..., "traceback": ...}

Nothing in here may print a password: the job holds none (a connection
string is handed over as a temporary pg_service file).
"""

import abc
import importlib.util
import inspect
import json
import os
import sys
import traceback
import types


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
            """The version of the database before this delta, as a string (or None)."""
            return self.__current_db_version

        @property
        def delta_dir(self):
            """The directory of this delta file, ending with a path separator."""
            return self.__delta_dir

        @property
        def delta_dirs(self):
            """All the delta directories of this run."""
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
            print("Message from {}: {}".format(type(self).__name__, text))
            sys.stdout.flush()

    DeltaPy.__module__ = "pum.core.deltapy"
    DeltaPy.__qualname__ = "DeltaPy"
    return DeltaPy


def _install_pum_modules():
    """Registers the modules pum, pum.core and pum.core.deltapy."""
    deltapy_class = _make_deltapy_class()

    pum = types.ModuleType("pum", "pum, as seen by a Python delta")
    core = types.ModuleType("pum.core")
    deltapy = types.ModuleType("pum.core.deltapy")
    # Empty __path__: they are packages, so `import pum.core.deltapy` works,
    # but nothing else is found under them.
    pum.__path__ = []
    core.__path__ = []
    pum.core = core
    core.deltapy = deltapy
    deltapy.DeltaPy = deltapy_class
    sys.modules["pum"] = pum
    sys.modules["pum.core"] = core
    sys.modules["pum.core.deltapy"] = deltapy
    return deltapy_class


def _variable(entry):
    kind = entry["type"]
    value = entry["value"]
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    return str(value)


def _is_internal(frame_summary_filename):
    return (frame_summary_filename == "<string>"
            or frame_summary_filename.startswith("<frozen importlib"))


def _report_exception(exc):
    """Writes the traceback of `exc` as a pum-exception line on stderr."""
    tb = exc.__traceback__
    # Drop the frames of this script and of importlib that lead to the delta.
    while tb is not None and _is_internal(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    text = "".join(traceback.format_exception(type(exc), exc, tb))
    only = traceback.format_exception_only(type(exc), exc)
    summary = only[-1].strip() if only else type(exc).__name__
    payload = json.dumps({"summary": summary, "traceback": text})
    sys.stderr.write("pum-exception: " + payload + "\n")
    sys.stderr.flush()


def _main():
    job = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    deltapy_class = _install_pum_modules()

    path = job["file"]
    directory = os.path.dirname(path) or os.curdir
    delta_dir = directory + os.sep

    # Sibling modules of the delta are importable, the current directory is
    # not (as when pum 0.x ran the delta).
    abs_dir = os.path.abspath(directory)
    if sys.path and sys.path[0] == "":
        sys.path[0] = abs_dir
    else:
        sys.path.insert(0, abs_dir)
    sys.argv = [path]

    variables = {}
    for entry in job["variables"]:
        variables[entry["name"]] = _variable(entry)

    spec = importlib.util.spec_from_file_location(job["module_name"], path)
    if spec is None or spec.loader is None:
        raise ImportError("cannot load {} as a Python module".format(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    ran = 0
    for name in dir(module):
        obj = getattr(module, name)
        if (inspect.isclass(obj) and obj is not deltapy_class
                and issubclass(obj, deltapy_class)):
            instance = obj(job["current_db_version"], delta_dir,
                           list(job["delta_dirs"]), job["pg_service"],
                           job["upgrades_table"], variables=variables)
            instance.run()
            ran += 1
            sys.stdout.flush()
            sys.stderr.flush()

    if ran == 0:
        sys.stderr.write(
            "pum-warning: {} defines no subclass of DeltaPy: nothing was run\n"
            .format(path))
        sys.stderr.flush()


try:
    _main()
except SystemExit:
    raise
except BaseException as exc:  # noqa: B902 -- report everything, even Ctrl-C
    try:
        sys.stdout.flush()
    except BaseException:
        pass
    _report_exception(exc)
    sys.exit(1)
