INSERT INTO water.material VALUES (1, 'cast iron'), (2, 'steel'), (3, 'PE');
