-- KIM database bootstrap. Idempotent: deploy/infra.sh runs it on every start
-- (as the postgres superuser over the unix socket); the postgres container
-- runs it once from /docker-entrypoint-initdb.d/. Needs psql >= 15 (\getenv).
--
-- Creates database :kim_db and, for each service s in intake, foreign_office,
-- kobiz, a LOGIN role s (password re-set on every run, so a changed password
-- takes effect) and a schema s owned by s. Nobody but s (and superusers) can
-- use schema s; schema public is closed to PUBLIC.
--
-- Values (first match wins):
--   1. psql variables:  -v kim_db=... -v intake_password=...
--                       -v foreign_office_password=... -v kobiz_password=...
--   2. environment:     KIM_PG_DB, KIM_PG_PASSWORD_INTAKE,
--                       KIM_PG_PASSWORD_FOREIGN_OFFICE, KIM_PG_PASSWORD_KOBIZ
--   3. dev defaults:    kim, intake-dev, foreign_office-dev, kobiz-dev
-- Passwords are never printed (no -a/-e echo; statement logging is off).

\set ON_ERROR_STOP on
\set QUIET on
SET client_min_messages = warning;

\if :{?kim_db}
\else
  \getenv kim_db KIM_PG_DB
  \if :{?kim_db}
  \else
    \set kim_db kim
  \endif
\endif
\if :{?intake_password}
\else
  \getenv intake_password KIM_PG_PASSWORD_INTAKE
  \if :{?intake_password}
  \else
    \set intake_password intake-dev
  \endif
\endif
\if :{?foreign_office_password}
\else
  \getenv foreign_office_password KIM_PG_PASSWORD_FOREIGN_OFFICE
  \if :{?foreign_office_password}
  \else
    \set foreign_office_password foreign_office-dev
  \endif
\endif
\if :{?kobiz_password}
\else
  \getenv kobiz_password KIM_PG_PASSWORD_KOBIZ
  \if :{?kobiz_password}
  \else
    \set kobiz_password kobiz-dev
  \endif
\endif

-- Roles are cluster-wide. CREATE ROLE has no IF NOT EXISTS: use \gexec.
SELECT format('CREATE ROLE %I LOGIN', r)
  FROM unnest(ARRAY['intake', 'foreign_office', 'kobiz']) AS r
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r)
\gexec

ALTER ROLE intake         WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'intake_password';
ALTER ROLE foreign_office WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'foreign_office_password';
ALTER ROLE kobiz          WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'kobiz_password';

-- CREATE DATABASE cannot run inside a function or transaction: use \gexec.
SELECT format('CREATE DATABASE %I ENCODING ''UTF8'' TEMPLATE template0', :'kim_db')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'kim_db')
\gexec

\connect :"kim_db"
SET client_min_messages = warning;

BEGIN;

-- Only the three service roles (and superusers) may connect.
REVOKE ALL ON DATABASE :"kim_db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"kim_db" TO intake, foreign_office, kobiz;

-- Nobody uses schema public.
REVOKE ALL ON SCHEMA public FROM PUBLIC;

-- One schema per service, owned by its role; no grants to anyone else.
CREATE SCHEMA IF NOT EXISTS intake         AUTHORIZATION intake;
CREATE SCHEMA IF NOT EXISTS foreign_office AUTHORIZATION foreign_office;
CREATE SCHEMA IF NOT EXISTS kobiz          AUTHORIZATION kobiz;
ALTER SCHEMA intake         OWNER TO intake;
ALTER SCHEMA foreign_office OWNER TO foreign_office;
ALTER SCHEMA kobiz          OWNER TO kobiz;
REVOKE ALL ON SCHEMA intake         FROM PUBLIC;
REVOKE ALL ON SCHEMA foreign_office FROM PUBLIC;
REVOKE ALL ON SCHEMA kobiz          FROM PUBLIC;

-- Unqualified names resolve to the service's own schema.
ALTER ROLE intake         IN DATABASE :"kim_db" SET search_path = intake;
ALTER ROLE foreign_office IN DATABASE :"kim_db" SET search_path = foreign_office;
ALTER ROLE kobiz          IN DATABASE :"kim_db" SET search_path = kobiz;

COMMIT;
