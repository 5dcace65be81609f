SELECT ST_SetSRID(g, %(SRID)s), %(name)s, %(ratio)s, '%(SRID)s';
-- %(SRID)s in a comment, 10 %% 3, 'a%%b' LIKE '%%x'
SELECT %(multi
line)s;
