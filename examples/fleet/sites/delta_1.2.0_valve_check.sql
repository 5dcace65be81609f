-- 1.2.0: a diameter check
ALTER TABLE network.valve ADD CONSTRAINT valve_diameter CHECK (diameter_mm > 0);
