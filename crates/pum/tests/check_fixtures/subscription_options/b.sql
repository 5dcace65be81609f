CREATE SUBSCRIPTION sub CONNECTION 'dbname=pum_fx_nowhere' PUBLICATION p1 WITH (connect = false, binary = true, synchronous_commit = 'remote_apply');
