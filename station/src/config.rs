//! `station.toml`: what one station is (its id, rig map, recipes by serial pattern, store,
//! record directory, operators, retest policy, serial format, web address and token). Loaded
//! through coldtray-io's TOML loader, so every mistake is one line naming the file and field;
//! the cross-field rules (recipes against the map, the token rule) are checked here before
//! anything is opened. Relative paths are relative to the file's directory.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use coldtray_controller::l10::recipe::{load_recipe, validate_against_map, Recipe};
use coldtray_controller::records::record::validate_serial;
use coldtray_controller::rig::parse::load_map;
use coldtray_controller::runner::file_sha256;
use coldtray_controller::RegisterMap;
use coldtray_io::config::{load_toml, ConfigError, Format};
use serde::Deserialize;

/// How `station.toml` is named in messages.
pub const STATION_FORMAT: Format = Format {
    what: "a station file",
    needs: "`id`, `map`, `operators` and at least one [[recipes]] entry",
    doc: "docs/guide/station.md",
};

/// The default web address: loopback only, so no token is needed.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// `station.toml` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StationFile {
    id: String,
    map: PathBuf,
    #[serde(default)]
    connect: Option<String>,
    recipes: Vec<RecipeRuleFile>,
    #[serde(default = "default_db")]
    db: PathBuf,
    #[serde(default = "default_records")]
    records: PathBuf,
    operators: Vec<String>,
    #[serde(default)]
    retest: RetestPolicy,
    #[serde(default)]
    serial_pattern: Option<String>,
    #[serde(default = "default_listen")]
    listen: String,
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    token_file: Option<PathBuf>,
    #[serde(default = "default_time_scale")]
    time_scale: f64,
}

fn default_db() -> PathBuf {
    PathBuf::from("results.sqlite")
}
fn default_records() -> PathBuf {
    PathBuf::from("records")
}
fn default_listen() -> String {
    DEFAULT_LISTEN.to_string()
}
fn default_time_scale() -> f64 {
    1.0
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecipeRuleFile {
    #[serde(rename = "match")]
    pattern: String,
    file: PathBuf,
}

/// `[retest]`: how often a serial may be tested again, and whether a retest after a FAIL
/// needs a reason.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct RetestPolicy {
    /// Retests allowed after the first test with a verdict (so `max + 1` verdicts per serial).
    pub max: u32,
    /// A retest of a serial whose last verdict was FAIL must give a reason.
    pub reason_after_fail: bool,
}

impl Default for RetestPolicy {
    fn default() -> Self {
        RetestPolicy {
            max: 2,
            reason_after_fail: true,
        }
    }
}

/// One `[[recipes]]` entry, loaded and checked against the map.
#[derive(Debug, Clone)]
pub struct RecipeRule {
    /// The glob a serial must match (`VR200-*`).
    pub pattern: glob::Pattern,
    /// The recipe file.
    pub file: PathBuf,
    /// The recipe, validated against the map.
    pub recipe: Recipe,
    /// SHA-256 of the recipe file as loaded (the record's provenance).
    pub sha256: Option<String>,
}

/// A checked station configuration.
#[derive(Debug, Clone)]
pub struct StationConfig {
    /// The file it came from.
    pub path: PathBuf,
    /// The station's id (recorded in every record's provenance).
    pub id: String,
    /// The register map file.
    pub map_path: PathBuf,
    /// The register map.
    pub map: RegisterMap,
    /// SHA-256 of the register map file as loaded (the record's provenance).
    pub map_sha256: Option<String>,
    /// The rig's `HOST:PORT`, overriding the map's `[connection]`.
    pub connect: Option<String>,
    /// Recipes by serial pattern, first match wins.
    pub recipes: Vec<RecipeRule>,
    /// The result store: an SQLite file, or a database URL kept as written.
    pub db: PathBuf,
    /// Directory of the JSON records and trace plots.
    pub records: PathBuf,
    /// Operator ids allowed to start a test.
    pub operators: Vec<String>,
    /// The retest policy.
    pub retest: RetestPolicy,
    /// The serial number format (the whole serial must match).
    pub serial_pattern: Option<regex::Regex>,
    /// Where the web page and API listen.
    pub listen: SocketAddr,
    /// The bearer token every POST needs (required when `listen` is not loopback).
    pub token: Option<String>,
    /// Recipe durations and the poll period are divided by this (emulator only).
    pub time_scale: f64,
}

impl StationConfig {
    /// Whether this station runs dry (a `time_scale` other than 1: an emulator sped up), so
    /// its own dry-run records count in its page's list, yield and retest policy.
    pub fn is_dry(&self) -> bool {
        self.time_scale != 1.0
    }

    /// The recipe rule for `serial`: the first whose pattern matches.
    pub fn recipe_for(&self, serial: &str) -> Option<&RecipeRule> {
        self.recipes.iter().find(|r| r.pattern.matches(serial))
    }

    /// Is the web server reachable from other hosts (so the token rule applies)?
    pub fn needs_token(&self) -> bool {
        !self.listen.ip().is_loopback()
    }
}

/// What can be overridden on the command line (tests bind ephemeral ports this way).
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Replaces `listen`.
    pub listen: Option<String>,
    /// Replaces `connect`.
    pub connect: Option<String>,
}

/// Loads and checks `station.toml`, its map and every recipe.
pub fn load_station(path: &Path, overrides: &Overrides) -> Result<StationConfig, ConfigError> {
    let file: StationFile = load_toml(path, &STATION_FORMAT)?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let rel = |p: &Path| {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            dir.join(p)
        }
    };
    let field = |f: &str, problem: String| ConfigError::field(path, f, problem);
    validate_serial(&file.id).map_err(|_| {
        field(
            "id",
            format!(
                "{:?} is not a station id: give 1–64 of A–Z a–z 0–9 . _ -",
                file.id
            ),
        )
    })?;
    let map_path = rel(&file.map);
    let map = load_map(&map_path)?;
    if file.recipes.is_empty() {
        return Err(field(
            "recipes",
            "no [[recipes]] entry: give at least one `match = \"VR200-*\"`, `file = \"recipe.toml\"`".into(),
        ));
    }
    let mut recipes = Vec::new();
    for (i, r) in file.recipes.iter().enumerate() {
        let pattern = glob::Pattern::new(&r.pattern).map_err(|e| {
            field(
                &format!("recipes[{i}].match"),
                format!(
                    "{:?} is not a glob pattern ({e}); e.g. \"VR200-*\"",
                    r.pattern
                ),
            )
        })?;
        let file_path = rel(&r.file);
        let recipe = load_recipe(&file_path)?;
        validate_against_map(&recipe, &map)?;
        recipes.push(RecipeRule {
            pattern,
            sha256: file_sha256(&file_path),
            file: file_path,
            recipe,
        });
    }
    if file.operators.is_empty() {
        return Err(field(
            "operators",
            "empty: list the operator ids allowed to test, e.g. [\"op1\", \"op2\"]".into(),
        ));
    }
    for (i, op) in file.operators.iter().enumerate() {
        if validate_serial(op).is_err() {
            return Err(field(
                &format!("operators[{i}]"),
                format!("{op:?} is not an operator id: give 1–64 of A–Z a–z 0–9 . _ -"),
            ));
        }
        if file.operators[..i].contains(op) {
            return Err(field(
                &format!("operators[{i}]"),
                format!("{op:?} is listed twice"),
            ));
        }
    }
    let serial_pattern = match &file.serial_pattern {
        None => None,
        Some(p) => Some(regex::Regex::new(&format!("^(?:{p})$")).map_err(|e| {
            field(
                "serial_pattern",
                format!(
                    "{p:?} is not a regular expression: {}",
                    coldtray_io::config::one_line(&e.to_string())
                ),
            )
        })?),
    };
    let listen_text = overrides.listen.as_deref().unwrap_or(&file.listen);
    let listen: SocketAddr = listen_text.parse().map_err(|_| {
        field(
            "listen",
            format!("{listen_text:?} is not an IP:PORT address, e.g. \"127.0.0.1:8080\""),
        )
    })?;
    let token = match (&file.token, &file.token_file) {
        (Some(_), Some(_)) => {
            return Err(field(
                "token_file",
                "give `token` or `token_file`, not both".into(),
            ))
        }
        (Some(t), None) => Some(t.trim().to_string()),
        (None, Some(f)) => {
            let f = rel(f);
            let text = std::fs::read_to_string(&f)
                .map_err(|e| field("token_file", format!("cannot read {}: {e}", f.display())))?;
            Some(text.trim().to_string())
        }
        (None, None) => None,
    };
    let token = token.filter(|t| !t.is_empty());
    if let Some(t) = &token {
        if t.len() < 16 || t.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(field(
                "token",
                "too weak: give at least 16 characters without spaces".into(),
            ));
        }
    }
    if !listen.ip().is_loopback() && token.is_none() {
        return Err(field(
            "token",
            format!(
                "required: `listen` {listen} is reachable from other hosts, so every state-changing request needs a token; set `token` or `token_file` (or listen on 127.0.0.1)"
            ),
        ));
    }
    if !(file.time_scale.is_finite() && file.time_scale >= 1.0) {
        return Err(field(
            "time_scale",
            format!(
                "{}: must be a number ≥ 1 (1 = real rig; N > 1 only against an emulator at the same scale)",
                file.time_scale
            ),
        ));
    }
    Ok(StationConfig {
        path: path.to_path_buf(),
        id: file.id,
        map_sha256: file_sha256(&map_path),
        map_path,
        map,
        connect: overrides.connect.clone().or(file.connect),
        recipes,
        // A database URL (a line's shared store) is taken as it is; a file is relative to
        // the station file.
        db: if file.db.to_string_lossy().contains("://") {
            file.db.clone()
        } else {
            rel(&file.db)
        },
        records: rel(&file.records),
        operators: file.operators,
        retest: file.retest,
        serial_pattern,
        listen,
        token,
        time_scale: file.time_scale,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn write(dir: &Path, body: &str) -> PathBuf {
        let rig = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/rig");
        let text = format!(
            "id = \"st-1\"\nmap = \"{}\"\noperators = [\"op1\"]\n{body}\n[[recipes]]\nmatch = \"VR200-*\"\nfile = \"{}\"\n",
            rig.join("map.toml").display(),
            rig.join("l10-vr200-noflow.toml").display()
        );
        let p = dir.join("station.toml");
        std::fs::write(&p, text).unwrap();
        p
    }

    fn scratch(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("coldtray-station-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn minimal_file_takes_the_defaults() {
        let d = scratch("min");
        let c = load_station(&write(&d, ""), &Overrides::default()).unwrap();
        assert_eq!(c.listen.to_string(), DEFAULT_LISTEN);
        assert_eq!(c.retest, RetestPolicy::default());
        assert!(!c.needs_token());
        assert!(c.recipe_for("VR200-0001").is_some());
        assert!(c.recipe_for("XR-1").is_none());
        assert_eq!(c.db, d.join("results.sqlite"));
    }

    #[test]
    fn non_loopback_listen_needs_a_token() {
        let d = scratch("token");
        let e = load_station(
            &write(&d, "listen = \"0.0.0.0:8080\"\n"),
            &Overrides::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("station.toml: token: required"), "{e}");
        let ok = load_station(
            &write(
                &d,
                "listen = \"0.0.0.0:8080\"\ntoken = \"0123456789abcdef\"\n",
            ),
            &Overrides::default(),
        )
        .unwrap();
        assert!(ok.needs_token());
    }

    #[test]
    fn mistakes_name_the_field() {
        let d = scratch("bad");
        for (body, want) in [
            ("serial_pattern = \"(\"\n", "serial_pattern:"),
            ("time_scale = 0.5\n", "time_scale:"),
            ("listen = \"nowhere\"\n", "listen:"),
            ("colour = 1\n", "colour"),
            ("[retest]\nmax = -1\n", "retest.max"),
        ] {
            let e = load_station(&write(&d, body), &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(e.contains(want), "{body}: {e}");
            assert!(!e.contains('\n'), "one line: {e}");
        }
    }
}
