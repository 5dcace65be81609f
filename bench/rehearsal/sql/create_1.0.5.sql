-- The data model at version 1.0.5, built fresh (structure only): the reference
-- an upgraded 1.0.0 database must match.
CREATE SCHEMA shop;
CREATE SCHEMA shop_sys;  -- pum's upgrades table lives here

CREATE TABLE shop.product (
    id          integer PRIMARY KEY,
    sku         text NOT NULL UNIQUE,
    name        text NOT NULL,
    price       numeric(10,2) NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE shop.customer (
    id          integer PRIMARY KEY,
    name        text NOT NULL,
    email       text NOT NULL,
    country     char(2) NOT NULL,
    balance     numeric(12,2) NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    tier        text NOT NULL DEFAULT 'standard'
);
CREATE INDEX customer_email_idx ON shop.customer (email);

CREATE TABLE shop.orders (
    id           bigint PRIMARY KEY,
    customer_id  integer NOT NULL REFERENCES shop.customer (id),
    ordered_at   timestamptz NOT NULL,
    status       text NOT NULL,
    amount       numeric(12,2) NOT NULL,
    note         text,
    currency     char(3) NOT NULL DEFAULT 'CHF'
);
CREATE INDEX orders_customer_idx ON shop.orders (customer_id);
CREATE INDEX orders_ordered_at_idx ON shop.orders (ordered_at);
CREATE INDEX orders_status_idx ON shop.orders (status, ordered_at);

CREATE TABLE shop.order_line (
    id          bigint PRIMARY KEY,
    order_id    bigint NOT NULL REFERENCES shop.orders (id),
    product_id  integer NOT NULL REFERENCES shop.product (id),
    quantity    integer NOT NULL,
    unit_price  numeric(10,2) NOT NULL,
    label       text NOT NULL,
    discount    numeric(5,2) NOT NULL DEFAULT 0
);
CREATE INDEX order_line_order_idx ON shop.order_line (order_id);

CREATE TABLE shop.event_log (
    id          bigserial PRIMARY KEY,
    logged_at   timestamptz NOT NULL,
    kind        text NOT NULL,
    payload     text
);

CREATE TABLE shop.invoice (
    id          bigserial PRIMARY KEY,
    order_id    bigint NOT NULL REFERENCES shop.orders (id),
    issued_at   timestamptz NOT NULL DEFAULT now(),
    total       numeric(12,2) NOT NULL,
    paid        boolean NOT NULL DEFAULT false
);
CREATE INDEX invoice_order_idx ON shop.invoice (order_id);

CREATE VIEW shop.order_total AS
    SELECT order_id, sum(quantity * unit_price * (1 - discount / 100)) AS total
    FROM shop.order_line
    GROUP BY order_id;
