//! The solver's layering, checked on its source: the top-level modules import each other
//! without a cycle, the numerical kernels know nothing of the layers above them, and the
//! loop network (`hydraulics`) knows only the model.
//!
//! A module's imports are its `crate::<module>` paths (in `use` items and inline paths),
//! comments excluded. The rule is written down in `docs/architecture.md`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Modules `numerics` must not import: it sits below everything that gives numbers meaning.
const NUMERICS_MUST_NOT_USE: &[&str] = &["run", "results", "design", "assembly", "model"];

/// The only module `hydraulics` may import: it builds networks from the model and knows
/// nothing of the thermal solve (which plugs its channel law in through a trait).
const HYDRAULICS_MAY_USE: &[&str] = &["model"];

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`src/numerics/krylov.rs` → `numerics`), or `None`
/// for the crate root.
fn top_module(file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src_dir()).expect("under src");
    let first = rel
        .components()
        .next()?
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    let name = first.trim_end_matches(".rs").to_string();
    (name != "lib").then_some(name)
}

/// Source text with `//` comments removed (doc comments may name other modules freely).
fn code_only(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(at) => &l[..at],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every module named by a `crate::` path: `crate::a::…` and `crate::{a, b::c}`.
fn crate_refs(code: &str) -> BTreeSet<String> {
    refs_after(code, "crate::")
}

/// Every module named right after `prefix` (`crate::`, `crate::numerics::`).
fn refs_after(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut refs = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    for (at, _) in code.match_indices(prefix) {
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0usize;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        refs.insert(ident(item.trim()));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 || c != '{' {
                    item.push(c);
                }
            }
            refs.insert(ident(item.trim()));
        } else {
            refs.insert(ident(rest));
        }
    }
    refs.retain(|r| !r.is_empty());
    refs
}

fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(&src_dir(), &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let Some(module) = top_module(&file) else {
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("source is UTF-8");
        let deps = graph.entry(module.clone()).or_default();
        for r in crate_refs(&code_only(&text)) {
            if r != module {
                deps.insert(r);
            }
        }
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for deps in graph.values_mut() {
        deps.retain(|d| modules.contains(d)); // root re-exports such as `crate::Design`
    }
    graph
}

/// The import graph between the sub-modules of `numerics` (`numerics/krylov.rs` → `krylov`).
fn numerics_graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = src_dir().join("numerics");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(&root).expect("under numerics");
        let first = rel.components().next().expect("a file").as_os_str();
        let module = first.to_string_lossy().trim_end_matches(".rs").to_string();
        if module == "mod" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("source is UTF-8");
        let code = code_only(&text);
        let mut deps = refs_after(&code, "crate::numerics::");
        // `super::x` inside a first-level file of numerics names a sibling.
        if rel.components().count() == 1 {
            deps.extend(refs_after(&code, "super::"));
        }
        deps.remove(&module);
        graph.entry(module).or_default().extend(deps);
    }
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for deps in graph.values_mut() {
        deps.retain(|d| modules.contains(d));
    }
    graph
}

/// A cycle through the graph, if there is one (depth-first search with colours).
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()).copied().unwrap_or(0) {
                1 => {
                    let from = stack.iter().position(|n| n == next).unwrap_or(0);
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                0 => {
                    if let Some(c) = visit(next, graph, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if state.get(node.as_str()).copied().unwrap_or(0) == 0 {
            if let Some(c) = visit(node, graph, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn the_parser_sees_grouped_and_inline_paths() {
    let code = "use crate::{a::X, b::{c, d}, e};\nfn f() { crate::g::h(); }";
    let refs: Vec<_> = crate_refs(code).into_iter().collect();
    assert_eq!(refs, ["a", "b", "e", "g"]);
    let g = BTreeMap::from([
        ("x".to_string(), BTreeSet::from(["y".to_string()])),
        ("y".to_string(), BTreeSet::from(["x".to_string()])),
    ]);
    assert!(find_cycle(&g).is_some(), "a two-module cycle is found");
}

#[test]
fn solver_modules_import_each_other_without_a_cycle() {
    let graph = import_graph();
    assert!(
        graph.len() >= 5,
        "the solver's modules were found: {graph:?}"
    );
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import cycle: {}", cycle.join(" → "));
    }
}

#[test]
fn numerics_imports_nothing_above_it() {
    let graph = import_graph();
    let deps = graph.get("numerics").expect("a numerics module");
    let bad: Vec<_> = deps
        .iter()
        .filter(|d| NUMERICS_MUST_NOT_USE.contains(&d.as_str()))
        .collect();
    assert!(bad.is_empty(), "numerics imports {bad:?}");
}

#[test]
fn hydraulics_imports_only_the_model() {
    let graph = import_graph();
    let deps = graph.get("hydraulics").expect("a hydraulics module");
    let bad: Vec<_> = deps
        .iter()
        .filter(|d| !HYDRAULICS_MAY_USE.contains(&d.as_str()))
        .collect();
    assert!(bad.is_empty(), "hydraulics imports {bad:?}");
}

#[test]
fn numerics_submodules_import_each_other_without_a_cycle() {
    let graph = numerics_graph();
    assert!(
        graph.contains_key("krylov") && graph.contains_key("operator"),
        "{graph:?}"
    );
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import cycle inside numerics: {}", cycle.join(" → "));
    }
}
