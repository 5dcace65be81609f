-- The application: views over the data model, rebuilt by every install and upgrade.
CREATE SCHEMA wn_app;

CREATE VIEW wn_app.vw_pipe AS
    SELECT p.id, p.diameter, f.name AS from_name, t.name AS to_name,
           CASE {lang} WHEN 'de' THEN 'Leitung' WHEN 'fr' THEN 'conduite' ELSE 'pipe' END AS label
    FROM wn_od.pipe p
    JOIN wn_od.node f ON f.id = p.from_node
    JOIN wn_od.node t ON t.id = p.to_node;

CREATE VIEW wn_app.vw_network_size AS SELECT wn_od.pipe_count() AS pipes;
