-- Lifeline database, schemas and roles; the production twin of the `provision` step of scripts/infra.sh.
-- Run once by the postgres image's entrypoint (psql, as the superuser, on an empty data directory).
-- Passwords come from the container's environment (SVC_<SCHEMA>_PASSWORD), read with psql's \getenv.
\set ON_ERROR_STOP on

CREATE DATABASE lifeline ENCODING 'UTF8';
\connect lifeline

SET client_min_messages = warning;
REVOKE ALL ON DATABASE lifeline FROM PUBLIC;
REVOKE ALL ON SCHEMA public FROM PUBLIC;

-- One login role per service, owning its own schema and nothing else.
\getenv pw_intake SVC_INTAKE_PASSWORD
CREATE ROLE svc_intake LOGIN PASSWORD :'pw_intake';
CREATE SCHEMA intake AUTHORIZATION svc_intake;
ALTER ROLE svc_intake SET search_path = intake;
GRANT CONNECT ON DATABASE lifeline TO svc_intake;

\getenv pw_department_screening SVC_DEPARTMENT_SCREENING_PASSWORD
CREATE ROLE svc_department_screening LOGIN PASSWORD :'pw_department_screening';
CREATE SCHEMA department_screening AUTHORIZATION svc_department_screening;
ALTER ROLE svc_department_screening SET search_path = department_screening;
GRANT CONNECT ON DATABASE lifeline TO svc_department_screening;

\getenv pw_hotline SVC_HOTLINE_PASSWORD
CREATE ROLE svc_hotline LOGIN PASSWORD :'pw_hotline';
CREATE SCHEMA hotline AUTHORIZATION svc_hotline;
ALTER ROLE svc_hotline SET search_path = hotline;
GRANT CONNECT ON DATABASE lifeline TO svc_hotline;

\getenv pw_review SVC_REVIEW_PASSWORD
CREATE ROLE svc_review LOGIN PASSWORD :'pw_review';
CREATE SCHEMA review AUTHORIZATION svc_review;
ALTER ROLE svc_review SET search_path = review;
GRANT CONNECT ON DATABASE lifeline TO svc_review;

\getenv pw_insurance SVC_INSURANCE_PASSWORD
CREATE ROLE svc_insurance LOGIN PASSWORD :'pw_insurance';
CREATE SCHEMA insurance AUTHORIZATION svc_insurance;
ALTER ROLE svc_insurance SET search_path = insurance;
GRANT CONNECT ON DATABASE lifeline TO svc_insurance;

\getenv pw_notification SVC_NOTIFICATION_PASSWORD
CREATE ROLE svc_notification LOGIN PASSWORD :'pw_notification';
CREATE SCHEMA notification AUTHORIZATION svc_notification;
ALTER ROLE svc_notification SET search_path = notification;
GRANT CONNECT ON DATABASE lifeline TO svc_notification;

\getenv pw_accounts SVC_ACCOUNTS_PASSWORD
CREATE ROLE svc_accounts LOGIN PASSWORD :'pw_accounts';
CREATE SCHEMA accounts AUTHORIZATION svc_accounts;
ALTER ROLE svc_accounts SET search_path = accounts;
GRANT CONNECT ON DATABASE lifeline TO svc_accounts;
