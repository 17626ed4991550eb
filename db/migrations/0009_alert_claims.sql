CREATE TABLE "alert_claims" (
	"alert_key" text PRIMARY KEY NOT NULL,
	"claimed_at" timestamp with time zone DEFAULT now() NOT NULL
);
