-- Stored posts compress with lz4 instead of pglz: on PostgreSQL 15, pglz was the largest single cost of an
-- ingest on the server (5 % of all CPU under load); lz4 compresses text bodies nearly as well at a fraction of
-- the CPU. Servers built without lz4 (PGlite) keep pglz. Applies to rows written from now on.
DO $$
BEGIN
  ALTER TABLE "mailroom"."blobs" ALTER COLUMN "bytes" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  NULL;
END $$;
