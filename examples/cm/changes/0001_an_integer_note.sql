-- Runs in each schema it is submitted to, with search_path set to it.
ALTER TABLE an_integer ADD COLUMN note text;
CREATE INDEX an_integer_an ON an_integer (an);
