CREATE SCHEMA s;
CREATE DOMAIN s.posint AS int CONSTRAINT posint_check CHECK (VALUE >= 0);
CREATE DOMAIN s.code AS text CONSTRAINT code_len CHECK (length(VALUE) = 3);
