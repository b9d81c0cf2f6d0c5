CREATE TABLE "mailroom"."blob_parts" (
	"key" text NOT NULL,
	"seq" integer NOT NULL,
	"bytes" "bytea" NOT NULL,
	CONSTRAINT "blob_parts_key_seq_pk" PRIMARY KEY("key","seq")
);
--> statement-breakpoint
ALTER TABLE "mailroom"."blobs" ADD COLUMN "parts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "mailroom"."blob_parts" ADD CONSTRAINT "blob_parts_key_blobs_key_fk" FOREIGN KEY ("key") REFERENCES "mailroom"."blobs"("key") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- The pieces compress like whole blobs (0001): lz4 where the server has it.
DO $$
BEGIN
  ALTER TABLE "mailroom"."blob_parts" ALTER COLUMN "bytes" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  NULL;
END $$;
