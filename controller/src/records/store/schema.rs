//! The store's schema, one for both backends: the `tests` table (one row per test: the whole
//! record and its trace as JSON, plus the columns that are filtered, listed and exported), its
//! versions and what each version adds. SQLite keeps the version in `PRAGMA user_version`,
//! PostgreSQL in a one-row `schema_version` table.
//!
//! - version 0: serial, recipe, times, outcome, reason, leak rate, record and trace JSON;
//! - version 1: `seq` (the store's insert order), `record_id` (the commit's id, unique),
//!   `json_file`, `clock_suspect`;
//! - version 2: the nine provenance columns (`station_id` … `dry_run`) and an index on station and start.
//!
//! Every migration upgrades in place and loses no row; version-2 columns of older rows are
//! filled from the record JSON each row already holds (empty for records written before the
//! record had a provenance).

/// The schema version this code writes.
pub const SCHEMA_VERSION: i64 = 2;

/// The indexes, the same SQL in both backends (created after the columns exist).
pub(crate) const INDEXES: &str = "
CREATE INDEX IF NOT EXISTS tests_serial_started ON tests (serial, started_unix);
CREATE INDEX IF NOT EXISTS tests_started ON tests (started_unix);
CREATE UNIQUE INDEX IF NOT EXISTS tests_seq ON tests (seq);
CREATE UNIQUE INDEX IF NOT EXISTS tests_record_id ON tests (record_id);
CREATE INDEX IF NOT EXISTS tests_station_started ON tests (station_id, started_unix);
";

/// A column added by a migration: its name and its type in each backend.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    /// The column name.
    pub(crate) name: &'static str,
    /// Declaration in SQLite (`ALTER TABLE … ADD COLUMN name decl`).
    pub(crate) sqlite: &'static str,
    /// Declaration in PostgreSQL.
    pub(crate) postgres: &'static str,
    /// Path of the value in the record JSON, for filling the column of older rows.
    pub(crate) json_path: &'static str,
}

/// The provenance columns of version 2.
pub(crate) const V2_COLUMNS: [Column; 9] = [
    text("station_id"),
    text("operator"),
    text("recipe_sha256"),
    text("map_sha256"),
    Column {
        name: "limits_json",
        sqlite: "TEXT",
        postgres: "TEXT",
        json_path: "$.provenance.limits",
    },
    text("coldtray_version"),
    text("host"),
    Column {
        name: "duration_s",
        sqlite: "REAL",
        postgres: "DOUBLE PRECISION",
        json_path: "$.provenance.duration_s",
    },
    Column {
        name: "dry_run",
        sqlite: "INTEGER NOT NULL DEFAULT 0",
        postgres: "BOOLEAN NOT NULL DEFAULT FALSE",
        json_path: "$.provenance.dry_run",
    },
];

/// A text provenance field stored under its own name.
const fn text(name: &'static str) -> Column {
    Column {
        name,
        sqlite: "TEXT",
        postgres: "TEXT",
        json_path: match name.as_bytes() {
            b"station_id" => "$.provenance.station_id",
            b"operator" => "$.provenance.operator",
            b"recipe_sha256" => "$.provenance.recipe_sha256",
            b"map_sha256" => "$.provenance.map_sha256",
            b"coldtray_version" => "$.provenance.coldtray_version",
            _ => "$.provenance.host",
        },
    }
}

/// The columns every listing reads, in this order (both backends map rows by position).
pub(crate) const SUMMARY_COLUMNS: &str = "id, seq, record_id, serial, recipe, started_at,
    started_unix, finished_at, outcome, reason, leak_sccm, clock_suspect, station_id, operator,
    recipe_sha256, map_sha256, limits_json, coldtray_version, host, duration_s, dry_run";

/// The columns an insert writes, in the order of [`super::RowValues`] (seq is computed).
pub(crate) const INSERT_COLUMNS: &str = "serial, recipe, started_at, started_unix, finished_at,
    outcome, reason, leak_sccm, record_json, trace_json, record_id, json_file, clock_suspect,
    station_id, operator, recipe_sha256, map_sha256, limits_json, coldtray_version, host,
    duration_s, dry_run";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_v2_column_reads_its_own_provenance_field() {
        for c in V2_COLUMNS {
            let field = c.name.trim_end_matches("_json");
            assert_eq!(c.json_path, format!("$.provenance.{field}"), "{}", c.name);
            assert!(SUMMARY_COLUMNS.contains(c.name) && INSERT_COLUMNS.contains(c.name));
        }
    }
}
