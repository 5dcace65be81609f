-- The coordinate reference system becomes explicit; the project passes it
-- with `pum upgrade -v int SRID 2056` (pum 0.x variables).
CREATE TABLE water_sys.settings (
    srid integer NOT NULL,
    description text NOT NULL
);
INSERT INTO water_sys.settings VALUES (%(SRID)s, 'coordinates of water.node, in EPSG:' || %(SRID)s);
COMMENT ON TABLE water_sys.settings IS 'one row; 100%% of the nodes use this SRID';
