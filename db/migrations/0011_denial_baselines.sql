CREATE TABLE "denial_baselines" (
	"key_id" text NOT NULL,
	"key_version" integer NOT NULL,
	"endpoint_id" text NOT NULL,
	"day" date NOT NULL,
	"denied" bigint NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "denial_baselines_key_id_key_version_endpoint_id_pk" PRIMARY KEY("key_id","key_version","endpoint_id")
);
--> statement-breakpoint
ALTER TABLE "denial_baselines" ADD CONSTRAINT "denial_baselines_key_id_api_keys_id_fk" FOREIGN KEY ("key_id") REFERENCES "public"."api_keys"("id") ON DELETE cascade ON UPDATE no action;