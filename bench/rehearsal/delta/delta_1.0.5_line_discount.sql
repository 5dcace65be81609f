-- Another column with a default, and a view using it.
ALTER TABLE shop.order_line ADD COLUMN discount numeric(5,2) NOT NULL DEFAULT 0;
CREATE VIEW shop.order_total AS
    SELECT order_id, sum(quantity * unit_price * (1 - discount / 100)) AS total
    FROM shop.order_line
    GROUP BY order_id;
