CREATE TABLE `spend` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ts` integer NOT NULL,
	`request_id` text NOT NULL,
	`virtual_key` text,
	`end_user` text,
	`route` text NOT NULL,
	`provider` text NOT NULL,
	`key_alias` text NOT NULL,
	`model_requested` text NOT NULL,
	`model_served` text NOT NULL,
	`stream` integer NOT NULL,
	`outcome` text NOT NULL,
	`http_status` integer NOT NULL,
	`error_code` text,
	`attempt` integer NOT NULL,
	`prompt_tokens` integer NOT NULL,
	`cached_tokens` integer NOT NULL,
	`cache_write_tokens` integer NOT NULL,
	`completion_tokens` integer NOT NULL,
	`reasoning_tokens` integer NOT NULL,
	`cost_microcents` integer NOT NULL,
	`latency_ms` integer NOT NULL,
	`ttft_ms` integer,
	`usage_source` text NOT NULL,
	`price_entry` text,
	`queued_ms` integer NOT NULL,
	CONSTRAINT "spend_outcome_check" CHECK("spend"."outcome" IN ('ok', 'error', 'failed_over', 'cancelled')),
	CONSTRAINT "spend_usage_source_check" CHECK("spend"."usage_source" IN ('provider', 'estimated', 'none')),
	CONSTRAINT "spend_stream_check" CHECK("spend"."stream" IN (0, 1)),
	CONSTRAINT "spend_cost_integer_check" CHECK(typeof("spend"."cost_microcents") = 'integer')
);
--> statement-breakpoint
CREATE INDEX `spend_ts_idx` ON `spend` (`ts`);--> statement-breakpoint
CREATE INDEX `spend_virtual_key_ts_idx` ON `spend` (`virtual_key`,`ts`);--> statement-breakpoint
CREATE INDEX `spend_route_ts_idx` ON `spend` (`route`,`ts`);--> statement-breakpoint
CREATE INDEX `spend_model_served_ts_idx` ON `spend` (`model_served`,`ts`);--> statement-breakpoint
CREATE INDEX `spend_provider_key_alias_ts_idx` ON `spend` (`provider`,`key_alias`,`ts`);--> statement-breakpoint
CREATE INDEX `spend_end_user_ts_idx` ON `spend` (`end_user`,`ts`);--> statement-breakpoint
CREATE INDEX `spend_request_id_idx` ON `spend` (`request_id`);