-- A one-off data fix, run by hand once.
UPDATE water.valve SET closed = true WHERE node = 2;
