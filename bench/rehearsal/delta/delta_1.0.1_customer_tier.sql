-- A new column with a default (no table rewrite since PostgreSQL 11).
ALTER TABLE shop.customer ADD COLUMN tier text NOT NULL DEFAULT 'standard';
ALTER TABLE shop.orders ADD COLUMN currency char(3) NOT NULL DEFAULT 'CHF';
