CREATE SUBSCRIPTION sub CONNECTION 'dbname=pum_fx_nowhere' PUBLICATION p1, p2 WITH (connect = false);
