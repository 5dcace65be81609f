"""Flags nodes whose altitude is missing or implausible.

Python deltas get no connection from pum: like the deltas of the real data
models, this one runs psql against the service pum was given.
"""
import subprocess

from pum.core.deltapy import DeltaPy


class CheckAltitudes(DeltaPy):
    def run(self):
        service = "service={}".format(self.pg_service)
        sql = (
            "ALTER TABLE water.node ADD COLUMN altitude_suspect boolean NOT NULL DEFAULT false;"
            "UPDATE water.node SET altitude_suspect = altitude IS NULL OR altitude NOT BETWEEN 0 AND 5000;"
        )
        subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", service, "-c", sql], check=True)
        out = subprocess.run(
            ["psql", "-X", "-At", service, "-c", "SELECT count(*) FROM water.node WHERE altitude_suspect"],
            check=True, capture_output=True, text=True,
        )
        self.write_message("upgrading from {}: {} suspect altitude(s)".format(
            self.current_db_version, out.stdout.strip()))
