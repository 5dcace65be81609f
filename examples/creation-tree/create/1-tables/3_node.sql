CREATE TABLE water.node (
    id integer PRIMARY KEY,
    identification text NOT NULL UNIQUE,
    x double precision NOT NULL,
    y double precision NOT NULL
);
