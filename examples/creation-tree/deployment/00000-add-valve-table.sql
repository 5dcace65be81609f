CREATE TABLE water.valve (
    id integer PRIMARY KEY,
    node integer NOT NULL REFERENCES water.node,
    closed boolean NOT NULL DEFAULT false
);
