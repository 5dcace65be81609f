CREATE SUBSCRIPTION sub CONNECTION 'dbname=pum_fx_nowhere host=a' PUBLICATION p1 WITH (connect = false);
