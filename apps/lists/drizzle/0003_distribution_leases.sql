ALTER TABLE "lists"."distributions" ADD COLUMN "lease_owner" text;--> statement-breakpoint
ALTER TABLE "lists"."distributions" ADD COLUMN "lease_until" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "distributions_lease_idx" ON "lists"."distributions" USING btree ("lease_until") WHERE "lists"."distributions"."status" = 'processing';