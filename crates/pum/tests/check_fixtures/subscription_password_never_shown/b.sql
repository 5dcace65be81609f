CREATE SUBSCRIPTION sub CONNECTION 'dbname=pum_fx_nowhere user=bob password=pum-fx-secret-two' PUBLICATION p1 WITH (connect = false);
