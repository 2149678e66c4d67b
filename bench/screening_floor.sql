-- Floor of the first screening's largest write on PostgreSQL: inserting the signals a first
-- screening of the benchmark data writes (806,488 rows), from a ready temporary table, into a
-- copy of the signal table without indexes and with each of its indexes. Nothing is kept
-- (ROLLBACK). Run after `bench/screening.py --reuse --database-url …`, which leaves the
-- signals of its run in the database:
--
--   psql postgres://postgres@127.0.0.1:5432/perf_screening_1m -f bench/screening_floor.sql
--
-- Compare the times with 1.5 × the pandas time of the same benchmark run (docs/benchmarks.md).
\timing on
BEGIN;
CREATE TEMP TABLE floor_rows AS SELECT * FROM monitoring_risksignal;
SELECT COUNT(*) AS signal_rows FROM floor_rows;
-- No index at all: the heap and its WAL only.
CREATE TABLE floor_plain (LIKE monitoring_risksignal INCLUDING DEFAULTS);
INSERT INTO floor_plain SELECT * FROM floor_rows;
-- The signal table's own indexes (primary key, one open signal per household and reason,
-- by status and village, by household).
CREATE TABLE floor_indexed (LIKE monitoring_risksignal INCLUDING ALL);
INSERT INTO floor_indexed SELECT * FROM floor_rows;
-- Each index alone.
CREATE TABLE floor_pk (LIKE monitoring_risksignal INCLUDING DEFAULTS);
ALTER TABLE floor_pk ADD PRIMARY KEY (id);
INSERT INTO floor_pk SELECT * FROM floor_rows;
CREATE TABLE floor_open (LIKE monitoring_risksignal INCLUDING DEFAULTS);
CREATE UNIQUE INDEX ON floor_open (household_id, reason_code) WHERE status = 'open';
INSERT INTO floor_open SELECT * FROM floor_rows;
CREATE TABLE floor_region (LIKE monitoring_risksignal INCLUDING DEFAULTS);
CREATE INDEX ON floor_region (status, region_id);
INSERT INTO floor_region SELECT * FROM floor_rows;
CREATE TABLE floor_household (LIKE monitoring_risksignal INCLUDING DEFAULTS);
CREATE INDEX ON floor_household (household_id, status);
INSERT INTO floor_household SELECT * FROM floor_rows;
ROLLBACK;
