CREATE TABLE "slack_seen_signatures" (
	"digest" "bytea" PRIMARY KEY NOT NULL,
	"expires_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "slack_seen_signatures_expires_at_idx" ON "slack_seen_signatures" USING btree ("expires_at");