-- Pipes get a computed length, kept up to date by a trigger.
ALTER TABLE water.pipe ADD COLUMN length_m numeric(10, 2);

CREATE FUNCTION water.ft_pipe_length() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    SELECT round(sqrt((b.x - a.x) ^ 2 + (b.y - a.y) ^ 2)::numeric, 2)
      INTO NEW.length_m
      FROM water.node a, water.node b
     WHERE a.id = NEW.node_a AND b.id = NEW.node_b;
    RETURN NEW;
END;
$$;

CREATE TRIGGER tr_pipe_length BEFORE INSERT OR UPDATE OF node_a, node_b ON water.pipe
    FOR EACH ROW EXECUTE FUNCTION water.ft_pipe_length();

UPDATE water.pipe SET node_a = node_a;
