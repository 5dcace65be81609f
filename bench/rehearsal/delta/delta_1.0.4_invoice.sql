-- A new table.
CREATE TABLE shop.invoice (
    id          bigserial PRIMARY KEY,
    order_id    bigint NOT NULL REFERENCES shop.orders (id),
    issued_at   timestamptz NOT NULL DEFAULT now(),
    total       numeric(12,2) NOT NULL,
    paid        boolean NOT NULL DEFAULT false
);
CREATE INDEX invoice_order_idx ON shop.invoice (order_id);
