-- KIM database bootstrap. Idempotent: deploy/infra.sh runs it on every start
-- (as the postgres superuser over the unix socket); the postgres container
-- runs it once from /docker-entrypoint-initdb.d/. Needs psql >= 15 (\getenv).
--
-- Creates database :kim_db and, for each service s in intake, foreign_office,
-- kobiz, two LOGIN roles (passwords re-set on every run, so a changed password
-- takes effect):
--   s_owner  owns schema s and every table in it; `kim migrate` connects as it,
--            creates the tables and grants s its rights (shared/persistence/pool.py)
--   s        the runtime role of the service's processes: USAGE on schema s, then
--            exactly what `kim migrate` grants (it owns nothing, creates nothing)
-- Nobody else can use schema s; schema public is closed to PUBLIC. Objects that a
-- runtime role still owns (a database from before the split) pass to the owner.
--
-- Values (first match wins):
--   1. psql variables:  -v kim_db=... -v intake_password=... -v intake_owner_password=...
--   2. environment:     KIM_PG_DB, KIM_PG_PASSWORD_<SERVICE>, KIM_PG_OWNER_PASSWORD_<SERVICE>
--   3. dev defaults:    kim, <service>-dev, <service>_owner-dev (refused in production by
--                       deploy/infra.sh and shared/settings.py)
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
\if :{?intake_owner_password}
\else
  \getenv intake_owner_password KIM_PG_OWNER_PASSWORD_INTAKE
  \if :{?intake_owner_password}
  \else
    \set intake_owner_password intake_owner-dev
  \endif
\endif
\if :{?foreign_office_owner_password}
\else
  \getenv foreign_office_owner_password KIM_PG_OWNER_PASSWORD_FOREIGN_OFFICE
  \if :{?foreign_office_owner_password}
  \else
    \set foreign_office_owner_password foreign_office_owner-dev
  \endif
\endif
\if :{?kobiz_owner_password}
\else
  \getenv kobiz_owner_password KIM_PG_OWNER_PASSWORD_KOBIZ
  \if :{?kobiz_owner_password}
  \else
    \set kobiz_owner_password kobiz_owner-dev
  \endif
\endif

-- Roles are cluster-wide. CREATE ROLE has no IF NOT EXISTS: use \gexec.
SELECT format('CREATE ROLE %I LOGIN', r)
  FROM unnest(ARRAY['intake', 'foreign_office', 'kobiz',
                    'intake_owner', 'foreign_office_owner', 'kobiz_owner']) AS r
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r)
\gexec

ALTER ROLE intake               WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT PASSWORD :'intake_password';
ALTER ROLE foreign_office       WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT PASSWORD :'foreign_office_password';
ALTER ROLE kobiz                WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT PASSWORD :'kobiz_password';
ALTER ROLE intake_owner         WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT PASSWORD :'intake_owner_password';
ALTER ROLE foreign_office_owner WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT PASSWORD :'foreign_office_owner_password';
ALTER ROLE kobiz_owner          WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT PASSWORD :'kobiz_owner_password';

-- CREATE DATABASE cannot run inside a function or transaction: use \gexec.
SELECT format('CREATE DATABASE %I ENCODING ''UTF8'' TEMPLATE template0', :'kim_db')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'kim_db')
\gexec

\connect :"kim_db"
SET client_min_messages = warning;

BEGIN;

-- Only the service roles (and superusers) may connect; nobody gets TEMPORARY.
REVOKE ALL ON DATABASE :"kim_db" FROM PUBLIC;
REVOKE ALL ON DATABASE :"kim_db" FROM intake, foreign_office, kobiz;
GRANT CONNECT ON DATABASE :"kim_db"
   TO intake, foreign_office, kobiz, intake_owner, foreign_office_owner, kobiz_owner;

-- Nobody uses schema public.
REVOKE ALL ON SCHEMA public FROM PUBLIC;

-- One schema per service, owned by its owner role.
CREATE SCHEMA IF NOT EXISTS intake         AUTHORIZATION intake_owner;
CREATE SCHEMA IF NOT EXISTS foreign_office AUTHORIZATION foreign_office_owner;
CREATE SCHEMA IF NOT EXISTS kobiz          AUTHORIZATION kobiz_owner;

-- A database from before the owner/runtime split: the runtime role owned the schema and
-- the tables it had created. Everything it owns here passes to the owner role, so the
-- runtime role can neither ALTER nor DROP it (idempotent: afterwards it owns nothing).
REASSIGN OWNED BY intake         TO intake_owner;
REASSIGN OWNED BY foreign_office TO foreign_office_owner;
REASSIGN OWNED BY kobiz          TO kobiz_owner;
ALTER SCHEMA intake         OWNER TO intake_owner;
ALTER SCHEMA foreign_office OWNER TO foreign_office_owner;
ALTER SCHEMA kobiz          OWNER TO kobiz_owner;

-- The runtime role may use the schema's objects (as `kim migrate` grants), not create any.
REVOKE ALL ON SCHEMA intake         FROM PUBLIC, intake;
REVOKE ALL ON SCHEMA foreign_office FROM PUBLIC, foreign_office;
REVOKE ALL ON SCHEMA kobiz          FROM PUBLIC, kobiz;
GRANT USAGE ON SCHEMA intake         TO intake;
GRANT USAGE ON SCHEMA foreign_office TO foreign_office;
GRANT USAGE ON SCHEMA kobiz          TO kobiz;

-- Unqualified names resolve to the service's own schema.
ALTER ROLE intake               IN DATABASE :"kim_db" SET search_path = intake;
ALTER ROLE foreign_office       IN DATABASE :"kim_db" SET search_path = foreign_office;
ALTER ROLE kobiz                IN DATABASE :"kim_db" SET search_path = kobiz;
ALTER ROLE intake_owner         IN DATABASE :"kim_db" SET search_path = intake;
ALTER ROLE foreign_office_owner IN DATABASE :"kim_db" SET search_path = foreign_office;
ALTER ROLE kobiz_owner          IN DATABASE :"kim_db" SET search_path = kobiz;

COMMIT;
