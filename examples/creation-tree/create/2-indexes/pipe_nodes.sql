CREATE INDEX pipe_node_a_idx ON water.pipe (node_a);
CREATE INDEX pipe_node_b_idx ON water.pipe (node_b);
