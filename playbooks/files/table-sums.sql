-- Every table of the application's schema: name, rows, md5 of its rows as text in C order;
-- then every sequence's position. Both sides of a move print the same lines when they hold
-- the same data (the lines are compared as sets). Run with psql -XAtq -F ' '.
SELECT format(
    'SELECT %L, count(*), md5(coalesce(string_agg(x::text, E''\n'' ORDER BY x::text COLLATE "C"), '''')) FROM public.%I x',
    tablename, tablename)
FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename
\gexec
SELECT 'seq:' || sequencename, coalesce(last_value::text, '-'), '-'
FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1;
