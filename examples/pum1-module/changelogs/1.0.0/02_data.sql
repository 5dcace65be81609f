/* Value lists: a literal brace is written {{ and }} in a pum 1.x module. */
CREATE TABLE wn_od.material (id integer PRIMARY KEY, name text NOT NULL, tags text[]);
INSERT INTO wn_od.material VALUES (1, 'PE', '{{plastic}}'), (2, 'steel', '{{metal}}');

CREATE FUNCTION wn_od.pipe_count() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM wn_od.pipe;
$$;
