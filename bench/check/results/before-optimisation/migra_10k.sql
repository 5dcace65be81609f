alter table "app"."t_04500" drop constraint "t_04500_amount_check";

drop index if exists "app"."t_01500_created_idx";

create table "app"."t_10001" (
    "id" integer not null,
    "prev_id" integer,
    "code" text not null,
    "name" character varying(100) not null default ''::character varying,
    "amount" numeric(12,2) default 0,
    "qty" integer not null default 1,
    "created_at" timestamp with time zone not null default now(),
    "active" boolean not null default true,
    "data" jsonb default '{}'::jsonb,
    "valid_from" date
);


alter table "app"."t_00500" alter column "amount" set data type numeric(14,2) using "amount"::numeric(14,2);

alter table "app"."t_05500" alter column "qty" set default 2;

alter table "app"."t_06500" alter column "name" drop not null;

alter table "app"."t_07500" add column "extra" text;

CREATE UNIQUE INDEX t_10001_code_key ON app.t_10001 USING btree (code);

CREATE INDEX t_10001_created_idx ON app.t_10001 USING btree (created_at, active);

CREATE UNIQUE INDEX t_10001_pkey ON app.t_10001 USING btree (id);

alter table "app"."t_10001" add constraint "t_10001_pkey" PRIMARY KEY using index "t_10001_pkey";

alter table "app"."t_10001" add constraint "t_10001_amount_check" CHECK (((amount >= (0)::numeric) AND (qty > 0))) not valid;

alter table "app"."t_10001" validate constraint "t_10001_amount_check";

alter table "app"."t_10001" add constraint "t_10001_code_key" UNIQUE using index "t_10001_code_key";

alter table "app"."t_10001" add constraint "t_10001_prev_id_fkey" FOREIGN KEY (prev_id) REFERENCES app.t_10000(id) ON DELETE CASCADE not valid;

alter table "app"."t_10001" validate constraint "t_10001_prev_id_fkey";

set check_function_bodies = off;

CREATE OR REPLACE FUNCTION app.f_0350()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    NEW.code := upper(NEW.code);
    NEW.qty := greatest(NEW.qty, 1);
    NEW.created_at := coalesce(NEW.created_at, now());
    RETURN NEW;
END;
$function$
;

create or replace view "app"."v_0250" as  SELECT t.id,
    t.code,
    t.name,
    (t.amount * (t.qty)::numeric) AS total,
    p.code AS prev_code
   FROM (app.t_02491 t
     LEFT JOIN app.t_02490 p ON ((p.id = t.prev_id)))
  WHERE (t.active AND (t.qty > 1));



