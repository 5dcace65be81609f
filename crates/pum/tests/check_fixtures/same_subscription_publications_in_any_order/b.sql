CREATE SUBSCRIPTION sub CONNECTION 'dbname=pum_fx_nowhere password=pum-fx-secret-same' PUBLICATION p2, p1 WITH (connect = false);
