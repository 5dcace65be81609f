CREATE SUBSCRIPTION sub CONNECTION 'dbname=pum_fx_nowhere password=pum-fx-secret-same' PUBLICATION p1, p2 WITH (connect = false);
