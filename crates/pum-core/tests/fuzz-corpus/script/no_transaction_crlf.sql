-- pum:no-transaction
CREATE INDEX CONCURRENTLY i ON t (a);
SELECT 1;
COPY t FROM stdin;
1	a
\.
