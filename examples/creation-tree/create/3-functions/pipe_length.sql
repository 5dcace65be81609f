CREATE FUNCTION water.pipe_length(pipe_id integer) RETURNS double precision
LANGUAGE sql STABLE AS $$
    SELECT sqrt((b.x - a.x) ^ 2 + (b.y - a.y) ^ 2)
    FROM water.pipe p
    JOIN water.node a ON a.id = p.node_a
    JOIN water.node b ON b.id = p.node_b
    WHERE p.id = pipe_id
$$;
