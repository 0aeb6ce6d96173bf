CREATE TABLE "spend" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"ts" bigint NOT NULL,
	"request_id" text NOT NULL,
	"virtual_key" text,
	"end_user" text,
	"route" text NOT NULL,
	"provider" text NOT NULL,
	"key_alias" text NOT NULL,
	"model_requested" text NOT NULL,
	"model_served" text NOT NULL,
	"stream" boolean NOT NULL,
	"outcome" text NOT NULL,
	"http_status" integer NOT NULL,
	"error_code" text,
	"attempt" integer NOT NULL,
	"prompt_tokens" bigint NOT NULL,
	"cached_tokens" bigint NOT NULL,
	"cache_write_tokens" bigint NOT NULL,
	"completion_tokens" bigint NOT NULL,
	"reasoning_tokens" bigint NOT NULL,
	"cost_microcents" bigint NOT NULL,
	"latency_ms" bigint NOT NULL,
	"ttft_ms" bigint,
	"usage_source" text NOT NULL,
	"price_entry" text,
	"queued_ms" bigint NOT NULL,
	"client_request_id" text,
	CONSTRAINT "spend_outcome_check" CHECK ("outcome" IN ('ok', 'error', 'failed_over', 'cancelled')),
	CONSTRAINT "spend_usage_source_check" CHECK ("usage_source" IN ('provider', 'estimated', 'none'))
);
--> statement-breakpoint
CREATE INDEX "spend_ts_idx" ON "spend" ("ts");--> statement-breakpoint
CREATE INDEX "spend_virtual_key_ts_idx" ON "spend" ("virtual_key","ts");--> statement-breakpoint
CREATE INDEX "spend_route_ts_idx" ON "spend" ("route","ts");--> statement-breakpoint
CREATE INDEX "spend_model_served_ts_idx" ON "spend" ("model_served","ts");--> statement-breakpoint
CREATE INDEX "spend_provider_key_alias_ts_idx" ON "spend" ("provider","key_alias","ts");--> statement-breakpoint
CREATE INDEX "spend_end_user_ts_idx" ON "spend" ("end_user","ts");--> statement-breakpoint
CREATE INDEX "spend_request_id_idx" ON "spend" ("request_id");--> statement-breakpoint
CREATE INDEX "spend_client_request_id_idx" ON "spend" ("client_request_id") WHERE "client_request_id" IS NOT NULL;
