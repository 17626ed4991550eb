CREATE TABLE "key_usage" (
	"key_id" text NOT NULL,
	"endpoint_id" text NOT NULL,
	"day" date NOT NULL,
	"allowed" bigint DEFAULT 0 NOT NULL,
	"denied" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "key_usage_key_id_day_endpoint_id_pk" PRIMARY KEY("key_id","day","endpoint_id")
);
--> statement-breakpoint
ALTER TABLE "key_usage" ADD CONSTRAINT "key_usage_key_id_api_keys_id_fk" FOREIGN KEY ("key_id") REFERENCES "public"."api_keys"("id") ON DELETE cascade ON UPDATE no action;