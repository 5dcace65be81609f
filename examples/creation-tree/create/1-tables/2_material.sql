CREATE TABLE water.material (
    id smallint PRIMARY KEY,
    name text NOT NULL UNIQUE
);
