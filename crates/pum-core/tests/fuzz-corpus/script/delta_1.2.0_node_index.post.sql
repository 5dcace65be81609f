-- pum:no-transaction
-- Built without locking out writers: CONCURRENTLY cannot run in a transaction.
CREATE INDEX CONCURRENTLY IF NOT EXISTS node_xy_idx ON water.node (x, y);
