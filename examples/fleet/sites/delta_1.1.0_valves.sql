-- 1.1.0: valves
CREATE TABLE network.valve (id int PRIMARY KEY, diameter_mm int);
