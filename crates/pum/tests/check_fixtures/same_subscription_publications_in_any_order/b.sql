CREATE SUBSCRIPTION sub CONNECTION 'dbname=pum_fx_nowhere' PUBLICATION p2, p1 WITH (connect = false);
