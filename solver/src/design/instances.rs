//! `[[packages]]` and `[[instances]]`: a tray places the same package several times.
//!
//! An instance takes a package — a `[[packages]]` table of the same file, or another design
//! file — and adds its blocks, channel fields and coolant links to the design, every name
//! prefixed `<instance>_` and every rectangle moved by `offset_mm`. The expansion works on the
//! raw design, before validation, so every rule after it (ranges, overlaps, materials, the
//! grid, the loop network) is the same for a placed package as for one written out by hand.
//!
//! Each placed item remembers where its author wrote it ([`Origins`]): a validation error
//! about `blocks[37].x_mm` of the expanded design is reported at
//! `instances[2] (gpu2) → packages[0].blocks[3].x_mm`.

use std::path::{Path, PathBuf};

use coldtray_io::config;
use coldtray_io::ConfigError;

use super::check::{Ctx, Result};
use super::raw::{RawBlock, RawChannels, RawDesign, RawLink, RawMaterial};
use super::FORMAT;

/// Between an instance's name and the block, field, link and inner node names it prefixes.
/// `_` keeps expanded names what a hand-written tray calls them (`gpu0_gpu_die_0`).
const SEP: &str = "_";

/// The nodes a package's `supply` and `return` become: `<instance>.in` and `<instance>.out`.
/// The dot cannot clash with a prefixed name (`<instance>_…`) as long as instance names
/// have no dot, which [`expand`] checks.
fn end_node(instance: &str, end: &str) -> String {
    match end {
        "supply" => format!("{instance}.in"),
        "return" => format!("{instance}.out"),
        inner => format!("{instance}{SEP}{inner}"),
    }
}

/// Where the expanded design's items were written: (path in the expanded design, path the
/// author wrote, with the instance that placed it).
#[derive(Debug, Default)]
pub(super) struct Origins(Vec<(String, String)>);

impl Origins {
    fn push(&mut self, expanded: String, written: String) {
        self.0.push((expanded, written));
    }

    fn get(&self, expanded: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == expanded)
            .map(|(_, o)| o.as_str())
    }

    /// `e` reported where its field was written: the longest expanded path that is the field
    /// or contains it (`blocks[3]` contains `blocks[3].x_mm`, not `blocks[31]`) is replaced by
    /// its origin. Errors about anything else are unchanged.
    pub(super) fn attribute(&self, mut e: ConfigError) -> ConfigError {
        let Some(field) = e.field.clone() else {
            return e;
        };
        let best = self
            .0
            .iter()
            .filter(|(k, _)| {
                field.strip_prefix(k.as_str()).is_some_and(|rest| {
                    rest.is_empty() || rest.starts_with('.') || rest.starts_with('[')
                })
            })
            .max_by_key(|(k, _)| k.len());
        if let Some((k, o)) = best {
            e.field = Some(format!("{o}{}", &field[k.len()..]));
        }
        e
    }
}

/// A package in its own coordinates, each item with the path it was written at.
struct Contents {
    blocks: Vec<(RawBlock, String)>,
    /// (layer name, field with its name filled in, path)
    channels: Vec<(String, RawChannels, String)>,
    links: Vec<(RawLink, String)>,
    materials: Vec<RawMaterial>,
    /// "package `gpu`" or "`gpu.toml`", for messages.
    what: String,
}

/// Replace every `[[instances]]` of `raw` by the blocks, channel fields and links it places;
/// `ctx.file` anchors relative `file` paths. Without instances and packages `raw` comes back
/// unchanged, with no origins.
pub(super) fn expand(raw: RawDesign, ctx: &Ctx) -> Result<(RawDesign, Origins)> {
    let mut stack = vec![canonical(ctx.file)];
    expand_in(raw, ctx, &mut stack)
}

fn expand_in(
    mut raw: RawDesign,
    ctx: &Ctx,
    stack: &mut Vec<PathBuf>,
) -> Result<(RawDesign, Origins)> {
    let mut origins = Origins::default();
    if raw.instances.is_empty() && raw.packages.is_empty() {
        return Ok((raw, origins));
    }
    let mut package_names: Vec<&str> = Vec::new();
    for (k, p) in raw.packages.iter().enumerate() {
        let field = format!("packages[{k}].name");
        let n = ctx.name(&field, &p.name)?;
        if let Some(j) = package_names.iter().position(|o| *o == n) {
            return Err(ctx.err(
                field,
                format!("package `{n}` is already packages[{j}]; package names must be unique"),
            ));
        }
        package_names.push(n);
    }
    let instances = std::mem::take(&mut raw.instances);
    let mut names: Vec<String> = Vec::with_capacity(instances.len());
    for (i, inst) in instances.iter().enumerate() {
        let p = format!("instances[{i}]");
        let name = ctx.name(&format!("{p}.name"), &inst.name)?.to_string();
        if name.contains(|c: char| c == '.' || c.is_whitespace()) {
            return Err(ctx.err(
                format!("{p}.name"),
                format!(
                    "`{name}` has a dot or a blank; an instance's name prefixes block, field, \
                     link and node names (and `{{name}}.in` / `.out` are its loop ends): use \
                     letters, digits, `_` and `-`"
                ),
            ));
        }
        if let Some(j) = names.iter().position(|o| *o == name) {
            return Err(ctx.err(
                format!("{p}.name"),
                format!(
                    "instance `{name}` is already instances[{j}]; instance names must be unique"
                ),
            ));
        }
        let (dx, dy) = offset(ctx, &p, &inst.offset_mm)?;
        let turns = quarter_turns(ctx, &p, inst.rotate_deg)?;
        let contents = match (&inst.package, &inst.file) {
            (Some(pk), None) => {
                let pk = pk.trim();
                let Some(k) = raw.packages.iter().position(|o| o.name.trim() == pk) else {
                    let valid = if raw.packages.is_empty() {
                        "this design has no [[packages]] table".to_string()
                    } else {
                        let v: Vec<String> = raw
                            .packages
                            .iter()
                            .map(|o| format!("\"{}\"", o.name.trim()))
                            .collect();
                        format!("valid: {}", v.join(", "))
                    };
                    return Err(ctx.err(
                        format!("{p}.package"),
                        format!("unknown package `{pk}`; {valid}"),
                    ));
                };
                package_contents(&raw, k)
            }
            (None, Some(f)) => file_contents(ctx, &format!("{p}.file"), f, stack)?,
            (Some(_), Some(_)) => {
                return Err(ctx.err(
                    format!("{p}.file"),
                    "give either package (a [[packages]] name) or file (another design file), \
                     not both",
                ))
            }
            (None, None) => {
                return Err(ctx.err(
                    format!("{p}.package"),
                    "required field is missing: give package (a [[packages]] name) or file \
                     (another design file, relative to this one)",
                ))
            }
        };
        let contents = contents.turned(turns);
        place(ctx, &mut raw, &mut origins, &p, &name, (dx, dy), contents)?;
        names.push(name);
    }
    // A layer with one field reports it as `layers[i].channels` (no index).
    let single: Vec<(String, String)> = raw
        .layers
        .iter()
        .enumerate()
        .filter(|(_, l)| l.channels.len() == 1)
        .filter_map(|(li, _)| {
            origins
                .get(&format!("layers[{li}].channels[0]"))
                .map(|o| (format!("layers[{li}].channels"), o.to_string()))
        })
        .collect();
    for (k, o) in single {
        origins.push(k, o);
    }
    Ok((raw, origins))
}

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

/// `offset_mm = [x, y]`: two finite numbers.
fn offset(ctx: &Ctx, p: &str, v: &[f64]) -> Result<(f64, f64)> {
    match v {
        [x, y] => Ok((
            ctx.finite(&format!("{p}.offset_mm[0]"), *x)?,
            ctx.finite(&format!("{p}.offset_mm[1]"), *y)?,
        )),
        _ => Err(ctx.err(
            format!("{p}.offset_mm"),
            format!(
                "must be [x, y] in mm (two numbers), got {} value(s)",
                v.len()
            ),
        )),
    }
}

/// `rotate_deg` as counter-clockwise quarter turns (0–3); absent is 0.
fn quarter_turns(ctx: &Ctx, p: &str, rotate_deg: Option<f64>) -> Result<u8> {
    match rotate_deg {
        None => Ok(0),
        Some(0.0) => Ok(0),
        Some(90.0) => Ok(1),
        Some(180.0) => Ok(2),
        Some(270.0) => Ok(3),
        Some(d) => Err(ctx.err(
            format!("{p}.rotate_deg"),
            format!(
                "must be 0, 90, 180 or 270 (degrees counter-clockwise: channel fields run \
                 along x or y), got {d}"
            ),
        )),
    }
}

/// A flow direction turned a quarter counter-clockwise: +x → +y → −x → −y → +x. An unknown
/// spelling is left for validation to report.
fn turn_direction(direction: &str) -> String {
    match direction.trim() {
        "+x" => "+y",
        "+y" => "-x",
        "-x" => "-y",
        "-y" => "+x",
        other => other,
    }
    .to_string()
}

impl Contents {
    /// The package turned `turns` quarters counter-clockwise inside its bounding box (blocks
    /// and fields), whose lower-left corner stays where it was: a 90° turn maps a rectangle
    /// (x, y, w, d) in the box [x0, x1] × [y0, y1] to (x0 + y1 − y − d, y0 + x − x0, d, w).
    fn turned(mut self, turns: u8) -> Contents {
        if turns == 0 {
            return self;
        }
        let rects = self
            .blocks
            .iter()
            .map(|(b, _)| (b.x_mm, b.y_mm, b.width_mm, b.depth_mm))
            .chain(
                self.channels
                    .iter()
                    .filter_map(|(_, c, _)| Some((c.x_mm?, c.y_mm?, c.width_mm?, c.depth_mm?))),
            )
            .filter(|r| [r.0, r.1, r.2, r.3].iter().all(|v| v.is_finite()));
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for (x, y, w, d) in rects {
            (x0, y0) = (x0.min(x), y0.min(y));
            (x1, y1) = (x1.max(x + w), y1.max(y + d));
        }
        if x0 > x1 {
            return self;
        }
        let quarter = |(x, y, w, d): (f64, f64, f64, f64), y1: f64| {
            (x0 + (y1 - (y + d)), y0 + (x - x0), d, w)
        };
        for _ in 0..turns {
            for (b, _) in &mut self.blocks {
                (b.x_mm, b.y_mm, b.width_mm, b.depth_mm) =
                    quarter((b.x_mm, b.y_mm, b.width_mm, b.depth_mm), y1);
            }
            for (_, c, _) in &mut self.channels {
                if let (Some(x), Some(y), Some(w), Some(d)) =
                    (c.x_mm, c.y_mm, c.width_mm, c.depth_mm)
                {
                    let (x, y, w, d) = quarter((x, y, w, d), y1);
                    (c.x_mm, c.y_mm, c.width_mm, c.depth_mm) = (Some(x), Some(y), Some(w), Some(d));
                }
                c.direction = turn_direction(&c.direction);
            }
            // The box itself turns: its width and depth swap, its lower-left corner stays.
            (x1, y1) = (x0 + (y1 - y0), y0 + (x1 - x0));
        }
        self
    }
}

/// The fields' names a package gives them: its own `name`, or the layer's name (`_0`, `_1`, …
/// when the package puts several fields in that layer), as for a design's own fields.
fn default_names(fields: &mut [(String, RawChannels, String)]) {
    let layers: Vec<String> = fields
        .iter()
        .map(|(l, _, _)| l.trim().to_string())
        .collect();
    let mut seen: Vec<&str> = Vec::new();
    for (i, (_, ch, _)) in fields.iter_mut().enumerate() {
        let layer = layers[i].as_str();
        let count = layers.iter().filter(|l| *l == layer).count();
        let index = seen.iter().filter(|l| **l == layer).count();
        seen.push(layer);
        if ch.name.is_none() {
            ch.name = Some(if count == 1 {
                layer.to_string()
            } else {
                format!("{layer}_{index}")
            });
        }
    }
}

fn package_contents(raw: &RawDesign, k: usize) -> Contents {
    let pkg = &raw.packages[k];
    let at = |what: &str, j: usize| format!("packages[{k}].{what}[{j}]");
    let mut channels: Vec<(String, RawChannels, String)> = pkg
        .channels
        .iter()
        .enumerate()
        .map(|(j, c)| (c.layer.clone(), c.to_channels(), at("channels", j)))
        .collect();
    default_names(&mut channels);
    Contents {
        blocks: pkg
            .blocks
            .iter()
            .enumerate()
            .map(|(j, b)| (b.clone(), at("blocks", j)))
            .collect(),
        channels,
        links: pkg
            .links
            .iter()
            .enumerate()
            .map(|(j, l)| (l.clone(), at("links", j)))
            .collect(),
        materials: Vec::new(),
        what: format!("package `{}`", pkg.name.trim()),
    }
}

/// The blocks, channel fields (a field without a rectangle covers the file's domain), links
/// and `[[materials]]` of the design file `file` (relative to `ctx.file`), its own instances
/// expanded first. Its plan, layers' fills, coolant settings and boundaries are not used.
fn file_contents(ctx: &Ctx, field: &str, file: &str, stack: &mut Vec<PathBuf>) -> Result<Contents> {
    let path = ctx
        .file
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join(file.trim());
    let canon = canonical(&path);
    if let Some(start) = stack.iter().position(|p| *p == canon) {
        let chain: Vec<String> = stack[start..]
            .iter()
            .chain(std::iter::once(&canon))
            .map(|p| p.display().to_string())
            .collect();
        return Err(ctx.err(
            field,
            format!(
                "`{file}` includes itself ({}); a design file cannot place itself, directly or \
                 through other files",
                chain.join(" → ")
            ),
        ));
    }
    let nested = |e: ConfigError| ctx.err(field, format!("in `{file}`: {e}"));
    let text = config::read_text(&path, &FORMAT).map_err(nested)?;
    let raw: RawDesign = config::parse_toml(&text, &path, &FORMAT).map_err(nested)?;
    stack.push(canon);
    let sub_ctx = Ctx { file: &path };
    let expanded = expand_in(raw, &sub_ctx, stack).map_err(nested);
    stack.pop();
    let (sub, sub_origins) = expanded?;
    let at = |key: String| {
        let o = sub_origins.get(&key).map_or(key.clone(), str::to_string);
        format!("{}: {o}", file.trim())
    };
    let mut channels = Vec::new();
    for (li, l) in sub.layers.iter().enumerate() {
        let n = l.channels.len();
        for (c, ch) in l.channels.iter().enumerate() {
            let mut ch = ch.clone();
            ch.x_mm = Some(ch.x_mm.unwrap_or(0.0));
            ch.y_mm = Some(ch.y_mm.unwrap_or(0.0));
            ch.width_mm = Some(ch.width_mm.unwrap_or(sub.domain.width_mm));
            ch.depth_mm = Some(ch.depth_mm.unwrap_or(sub.domain.depth_mm));
            if ch.name.is_none() {
                ch.name = Some(if n == 1 {
                    l.name.trim().to_string()
                } else {
                    format!("{}_{c}", l.name.trim())
                });
            }
            let key = if n == 1 {
                format!("layers[{li}].channels")
            } else {
                format!("layers[{li}].channels[{c}]")
            };
            channels.push((l.name.clone(), ch, at(key)));
        }
    }
    Ok(Contents {
        blocks: sub
            .blocks
            .iter()
            .enumerate()
            .map(|(j, b)| (b.clone(), at(format!("blocks[{j}]"))))
            .collect(),
        channels,
        links: sub
            .coolant
            .iter()
            .flat_map(|c| c.links.iter())
            .enumerate()
            .map(|(j, l)| (l.clone(), at(format!("coolant.links[{j}]"))))
            .collect(),
        materials: sub.materials,
        what: format!("`{}`", file.trim()),
    })
}

/// Add `contents` to `raw` as instance `name` (at field path `p`) moved by `(dx, dy)` mm.
fn place(
    ctx: &Ctx,
    raw: &mut RawDesign,
    origins: &mut Origins,
    p: &str,
    name: &str,
    (dx, dy): (f64, f64),
    contents: Contents,
) -> Result<()> {
    let at = |o: &str| format!("{p} ({name}) → {o}");
    let prefixed = |n: &str| format!("{name}{SEP}{}", n.trim());
    for m in contents.materials {
        match raw
            .materials
            .iter()
            .find(|o| o.name.trim() == m.name.trim())
        {
            Some(o) if *o != m => {
                return Err(ctx.err(
                    format!("{p}.file"),
                    format!(
                        "material `{}` of {} differs from this design's [[materials]] entry of \
                         that name; give both the same properties or rename one",
                        m.name.trim(),
                        contents.what
                    ),
                ))
            }
            Some(_) => {}
            None => raw.materials.push(m),
        }
    }
    for (b, o) in contents.blocks {
        let placed = RawBlock {
            name: prefixed(&b.name),
            x_mm: b.x_mm + dx,
            y_mm: b.y_mm + dy,
            ..b
        };
        origins.push(format!("blocks[{}]", raw.blocks.len()), at(&o));
        raw.blocks.push(placed);
    }
    for (layer, ch, o) in contents.channels {
        let Some(li) = raw
            .layers
            .iter()
            .position(|l| l.name.trim() == layer.trim())
        else {
            let valid: Vec<&str> = raw.layers.iter().map(|l| l.name.trim()).collect();
            return Err(ctx.err(
                format!("{}.layer", at(&o)),
                format!(
                    "this design has no layer `{}` for {}'s channel field; valid: {}",
                    layer.trim(),
                    contents.what,
                    valid.join(", ")
                ),
            ));
        };
        let placed = RawChannels {
            name: ch.name.as_deref().map(prefixed),
            x_mm: ch.x_mm.map(|x| x + dx),
            y_mm: ch.y_mm.map(|y| y + dy),
            ..ch
        };
        let c = raw.layers[li].channels.len();
        origins.push(format!("layers[{li}].channels[{c}]"), at(&o));
        raw.layers[li].channels.push(placed);
    }
    if contents.links.is_empty() {
        return Ok(());
    }
    let Some(coolant) = raw.coolant.as_mut() else {
        return Err(ctx.err(
            p,
            format!(
                "{} has coolant links, but this design has no [coolant] table to join them to",
                contents.what
            ),
        ));
    };
    for (l, o) in contents.links {
        let placed = RawLink {
            name: prefixed(&l.name),
            from: end_node(name, l.from.trim()),
            to: end_node(name, l.to.trim()),
            field: l.field.as_deref().map(prefixed),
            ..l
        };
        origins.push(format!("coolant.links[{}]", coolant.links.len()), at(&o));
        coolant.links.push(placed);
    }
    Ok(())
}

/// `path` made absolute and free of `..` and links where the file exists (so two spellings of
/// one file are one file for the cycle check); as given otherwise.
fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loop_ends_and_inner_nodes_are_named_apart() {
        assert_eq!(end_node("gpu0", "supply"), "gpu0.in");
        assert_eq!(end_node("gpu0", "return"), "gpu0.out");
        assert_eq!(end_node("gpu0", "in"), "gpu0_in");
    }

    #[test]
    fn four_quarter_turns_of_a_direction_are_none() {
        for d in ["+x", "+y", "-x", "-y"] {
            let mut t = d.to_string();
            for _ in 0..4 {
                t = turn_direction(&t);
                assert_ne!(t, "", "{d}");
            }
            assert_eq!(t, d);
        }
        assert_eq!(turn_direction("+y"), "-x");
        assert_eq!(turn_direction("sideways"), "sideways");
    }

    #[test]
    fn attribution_takes_the_item_not_a_longer_index() {
        let mut o = Origins::default();
        o.push(
            "blocks[3]".into(),
            "instances[0] (a) → packages[0].blocks[0]".into(),
        );
        o.push(
            "blocks[31]".into(),
            "instances[1] (b) → packages[0].blocks[9]".into(),
        );
        let at = |field: &str| {
            o.attribute(ConfigError::field(Path::new("t.toml"), field, "bad"))
                .field
                .unwrap()
        };
        assert_eq!(
            at("blocks[3].x_mm"),
            "instances[0] (a) → packages[0].blocks[0].x_mm"
        );
        assert_eq!(at("blocks[31]"), "instances[1] (b) → packages[0].blocks[9]");
        assert_eq!(at("blocks[30].x_mm"), "blocks[30].x_mm");
        assert_eq!(at("blocks[3]x"), "blocks[3]x");
    }
}
