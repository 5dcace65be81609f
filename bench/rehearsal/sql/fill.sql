-- Fills the 1.0.0 tables with generate_series. psql variable :orders sets the
-- scale (order_line: 3 per order, customer: orders/20, event_log: orders/2).
\set customers (:orders / 20)
\set events (:orders / 2)
INSERT INTO shop.product (id, sku, name, price, created_at)
SELECT i, 'SKU-' || lpad(i::text, 6, '0'), 'product ' || md5(i::text),
       round((random() * 500)::numeric, 2), now() - (i % 1000) * interval '1 day'
FROM generate_series(1, 10000) i;

INSERT INTO shop.customer (id, name, email, country, balance, created_at)
SELECT i, 'customer ' || md5(i::text), 'c' || i || '@example.org',
       (ARRAY['CH','FR','DE','IT','AT'])[1 + i % 5],
       round((random() * 10000)::numeric, 2), now() - (i % 3650) * interval '1 day'
FROM generate_series(1, :customers) i;

INSERT INTO shop.orders (id, customer_id, ordered_at, status, amount, note)
SELECT i, 1 + (i::bigint * 7919) % :customers, timestamptz '2015-01-01' + i * interval '37 seconds',
       (ARRAY['new','paid','shipped','delivered','cancelled'])[1 + i % 5],
       round((random() * 1000)::numeric, 2),
       CASE WHEN i % 3 = 0 THEN 'deliver to the back door, ring twice ' || md5(i::text) END
FROM generate_series(1, :orders) i;

INSERT INTO shop.order_line (id, order_id, product_id, quantity, unit_price, label)
SELECT i, 1 + (i - 1) / 3, 1 + (i * 31) % 10000, 1 + i % 9,
       round((random() * 200)::numeric, 2), 'line ' || substr(md5(i::text), 1, 12)
FROM generate_series(1, :orders * 3) i;

INSERT INTO shop.event_log (logged_at, kind, payload)
SELECT timestamptz '2015-01-01' + i * interval '74 seconds',
       (ARRAY['login','logout','order','payment'])[1 + i % 4],
       repeat(md5(i::text), 2)
FROM generate_series(1, :events) i;

ANALYZE;
