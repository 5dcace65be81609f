-- A data change on a smaller table.
UPDATE shop.customer SET tier = 'gold' WHERE balance > 9000;
