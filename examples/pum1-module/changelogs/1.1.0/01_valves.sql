ALTER TABLE wn_od.pipe ADD COLUMN material integer REFERENCES wn_od.material;

CREATE TABLE wn_od.valve (
    id serial PRIMARY KEY,
    pipe integer NOT NULL REFERENCES wn_od.pipe,
    closed boolean NOT NULL DEFAULT false
);

DO $BODY$
BEGIN
    RAISE NOTICE 'valves added (SRID %)', {SRID};
END
$BODY$;
