-- Valves, with a vocabulary loaded the way pg_dump writes data.
CREATE TABLE water.valve_function (
    id smallint PRIMARY KEY,
    name text NOT NULL,
    description text
);

COPY water.valve_function (id, name, description) FROM stdin;
1	isolation	closes a section of the network
2	pressure reduction	\N
3	air release	lets trapped air out at high points
\.

CREATE TABLE water.valve (
    id serial PRIMARY KEY,
    node integer NOT NULL REFERENCES water.node,
    function smallint NOT NULL REFERENCES water.valve_function,
    closed boolean NOT NULL DEFAULT false
);

INSERT INTO water.valve (node, function) VALUES (2, 1);
