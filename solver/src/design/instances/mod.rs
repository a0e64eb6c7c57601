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
//!
//! Parts: `turn` (`rotate_deg`, quarter turns in place) and `inline` (file instances folded
//! into packages, for a copy of the design that stands alone).

use std::path::{Path, PathBuf};

use coldtray_io::config;
use coldtray_io::ConfigError;

use super::check::{Ctx, Result};
use super::raw::{RawBlock, RawChannels, RawDesign, RawLink, RawMaterial};
use super::FORMAT;

mod inline;
mod turn;

pub use inline::inline_instance_files;
use turn::quarter_turns;

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
