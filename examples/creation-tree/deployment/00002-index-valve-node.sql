CREATE INDEX valve_node_idx ON water.valve (node);
