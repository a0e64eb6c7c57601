//! File instances folded into `[[packages]]` entries, so a design's TOML stops depending on
//! the files it places.

use std::path::Path;

use super::{canonical, file_contents};
use crate::design::check::{Ctx, Result};

/// Replace every `[[instances]]` entry of `table` (a design file's TOML, from `origin`) that
/// places a `file` by one that places a `[[packages]]` entry holding what the file brings
/// (its blocks, fields, links — its own instances expanded — and its `[[materials]]`), so the
/// design no longer depends on other files: a result directory's copy of the design can be
/// re-run on its own. One package per distinct `file`, named after it; a design without file
/// instances is unchanged. Errors are those loading the design would give.
pub fn inline_instance_files(table: &mut toml::Table, origin: &Path) -> Result<()> {
    let ctx = Ctx { file: origin };
    let Some(toml::Value::Array(instances)) = table.get("instances") else {
        return Ok(());
    };
    let files: Vec<(usize, String)> = instances
        .iter()
        .enumerate()
        .filter_map(|(i, v)| Some((i, v.get("file")?.as_str()?.to_string())))
        .collect();
    if files.is_empty() {
        return Ok(());
    }
    let mut packages: Vec<toml::Value> = Vec::new();
    let mut materials: Vec<toml::Value> = Vec::new();
    let mut done: Vec<String> = Vec::new();
    for (i, file) in &files {
        let field = format!("instances[{i}].file");
        if !done.contains(file) {
            let mut stack = vec![canonical(origin)];
            let c = file_contents(&ctx, &field, file, &mut stack)?;
            let mut pkg = toml::Table::new();
            pkg.insert("name".into(), file.trim().into());
            let blocks = c.blocks.iter().map(|(b, _)| to_value(&ctx, &field, b));
            pkg.insert("blocks".into(), blocks.collect::<Result<Vec<_>>>()?.into());
            let mut channels = Vec::new();
            for (layer, ch, _) in &c.channels {
                let mut v = to_value(&ctx, &field, ch)?;
                if let Some(t) = v.as_table_mut() {
                    t.insert("layer".into(), layer.trim().into());
                }
                channels.push(v);
            }
            pkg.insert("channels".into(), channels.into());
            let links = c.links.iter().map(|(l, _)| to_value(&ctx, &field, l));
            pkg.insert("links".into(), links.collect::<Result<Vec<_>>>()?.into());
            packages.push(pkg.into());
            for m in &c.materials {
                materials.push(to_value(&ctx, &field, m)?);
            }
            done.push(file.clone());
        }
    }
    if let Some(toml::Value::Array(instances)) = table.get_mut("instances") {
        for (i, file) in &files {
            if let Some(t) = instances[*i].as_table_mut() {
                t.remove("file");
                t.insert("package".into(), file.trim().into());
            }
        }
    }
    let own = |t: &toml::Table, key: &str| -> Vec<String> {
        t.get(key)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| Some(v.get("name")?.as_str()?.trim().to_string()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let have = own(table, "materials");
    let new_materials: Vec<toml::Value> = materials
        .into_iter()
        .filter(|m| {
            m.get("name")
                .and_then(|n| n.as_str())
                .is_some_and(|n| !have.contains(&n.trim().to_string()))
        })
        .collect();
    for (key, add) in [("materials", new_materials), ("packages", packages)] {
        if add.is_empty() {
            continue;
        }
        let entry = table
            .entry(key)
            .or_insert_with(|| toml::Value::Array(Vec::new()));
        if let Some(a) = entry.as_array_mut() {
            a.extend(add);
        }
    }
    Ok(())
}

/// A raw table written back as a TOML value (absent options left out).
fn to_value<T: serde::Serialize>(ctx: &Ctx, field: &str, v: &T) -> Result<toml::Value> {
    toml::Value::try_from(v)
        .map_err(|e| ctx.err(field, format!("cannot write it back as TOML: {e}")))
}
