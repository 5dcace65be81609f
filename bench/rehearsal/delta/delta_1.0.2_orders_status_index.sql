-- An index on the largest table but one.
CREATE INDEX orders_status_idx ON shop.orders (status, ordered_at);
