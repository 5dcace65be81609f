CREATE SUBSCRIPTION sub CONNECTION 'dbname=pum_fx_nowhere host=b' PUBLICATION p1 WITH (connect = false);
