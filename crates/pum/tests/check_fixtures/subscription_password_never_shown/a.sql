CREATE SUBSCRIPTION sub CONNECTION 'dbname=pum_fx_nowhere user=bob password=pum-fx-secret-one' PUBLICATION p1 WITH (connect = false);
