-- Key "10" in order.json: runs after the nodes (key "9") it references.
INSERT INTO water.pipe VALUES (1, 1, 2, 1, 150), (2, 2, 3, 3, 110);
