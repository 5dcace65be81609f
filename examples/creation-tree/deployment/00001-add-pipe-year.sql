ALTER TABLE water.pipe ADD COLUMN year integer CHECK (year > 1800);
