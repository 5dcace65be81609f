--
-- PostgreSQL database dump
--

\restrict Xy7abc

SET statement_timeout = 0;
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);

CREATE TABLE public.t (
    id integer NOT NULL,
    name text DEFAULT 'a;b'::text
);

COPY public.t (id, name) FROM stdin;
1	first; row
2	\N
3	tab\there
\.

COPY public.u FROM stdin WITH (FORMAT csv, HEADER true);  -- trailing comment
a,b
"x;",2
\.

ALTER TABLE ONLY public.t
    ADD CONSTRAINT t_pkey PRIMARY KEY (id);

\unrestrict Xy7abc
