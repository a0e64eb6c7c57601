//! The checks that make a set of links a loop network: names, fields, and every node on a
//! path from `supply` to `return`.
//!
//! **Which nodes count as connected.** Links are directed as the design means the coolant to
//! flow (`from` → `to`); the solver still allows a link's flow to reverse. A node must be
//! reachable from `supply` along the links' directions and must reach `return` along them.
//! A node that fails either is a dead end or an island: it would carry no flow (a field there
//! would get none) or leave its pressure undetermined, and in a design it is almost always a
//! misspelt node name.

use std::collections::BTreeMap;

use super::{Link, LinkKind, NetworkError, RETURN, SUPPLY};

/// Node indices of a checked network.
pub(super) struct Topology {
    pub(super) nodes: Vec<String>,
    pub(super) ends: Vec<(usize, usize)>,
    pub(super) supply: usize,
    pub(super) ret: usize,
}

fn at(link: usize, field: &str, problem: String) -> NetworkError {
    NetworkError {
        link: Some(link),
        field: field.to_string(),
        problem,
    }
}

pub(super) fn check(links: &[Link], field_names: &[String]) -> Result<Topology, NetworkError> {
    if links.is_empty() {
        return Err(NetworkError {
            link: None,
            field: String::new(),
            problem: "the network has no links".to_string(),
        });
    }
    let mut nodes: Vec<String> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    let mut field_user: Vec<Option<usize>> = vec![None; field_names.len()];
    let mut ends = Vec::with_capacity(links.len());
    for (i, l) in links.iter().enumerate() {
        if l.name.trim().is_empty() {
            return Err(at(
                i,
                "name",
                "must not be empty; give the link a name".into(),
            ));
        }
        if let Some(&j) = names.get(l.name.as_str()) {
            return Err(at(
                i,
                "name",
                format!(
                    "link `{}` is already links[{j}]; link names must be unique",
                    l.name
                ),
            ));
        }
        names.insert(&l.name, i);
        for (end, node) in [("from", &l.from), ("to", &l.to)] {
            if node.trim().is_empty() {
                return Err(at(
                    i,
                    end,
                    format!("link `{}`: the node name must not be empty", l.name),
                ));
            }
        }
        if l.from == l.to {
            return Err(at(
                i,
                "to",
                format!(
                    "link `{}` runs from node `{}` to itself; a link joins two different nodes",
                    l.name, l.from
                ),
            ));
        }
        let mut id = |n: &str| -> usize {
            *index.entry(n.to_string()).or_insert_with(|| {
                nodes.push(n.to_string());
                nodes.len() - 1
            })
        };
        ends.push((id(&l.from), id(&l.to)));
        if let LinkKind::Field { field } = l.kind {
            let Some(user) = field_user.get_mut(field) else {
                return Err(at(
                    i,
                    "field",
                    format!(
                        "link `{}` names field {field}, but the network has {} field(s)",
                        l.name,
                        field_names.len()
                    ),
                ));
            };
            if let Some(j) = *user {
                return Err(at(
                    i,
                    "field",
                    format!(
                        "link `{}` uses channel field `{}`, which links[{j}] (`{}`) already \
                         uses; each field is one link of the loop",
                        l.name, field_names[field], links[j].name
                    ),
                ));
            }
            *user = Some(i);
        }
    }
    if let Some(f) = field_user.iter().position(Option::is_none) {
        return Err(NetworkError {
            link: None,
            field: String::new(),
            problem: format!(
                "channel field `{}` is in no link; every field must be one link (kind = \
                 \"field\", field = \"{}\") of the loop",
                field_names[f], field_names[f]
            ),
        });
    }
    let (Some(&supply), Some(&ret)) = (index.get(SUPPLY), index.get(RETURN)) else {
        let missing = if index.contains_key(SUPPLY) {
            RETURN
        } else {
            SUPPLY
        };
        return Err(NetworkError {
            link: None,
            field: String::new(),
            problem: format!(
                "no link touches node `{missing}`, so there is no path from `{SUPPLY}` to \
                 `{RETURN}` (the loop's ends); the nodes are: {}",
                nodes.join(", ")
            ),
        });
    };
    let forward = reach(nodes.len(), &ends, supply, false);
    let backward = reach(nodes.len(), &ends, ret, true);
    if !forward[ret] {
        return Err(NetworkError {
            link: None,
            field: String::new(),
            problem: format!(
                "no path from `{SUPPLY}` to `{RETURN}` along the links' from → to directions; \
                 reachable from `{SUPPLY}`: {}",
                names_where(&nodes, &forward)
            ),
        });
    }
    for (n, name) in nodes.iter().enumerate() {
        if forward[n] && backward[n] {
            continue;
        }
        let (i, _) = ends
            .iter()
            .enumerate()
            .find(|(_, &(f, t))| f == n || t == n)
            .unwrap_or((0, &(0, 0)));
        let (end, why) = if !forward[n] {
            (
                if ends[i].0 == n { "from" } else { "to" },
                format!("no link leads to it from `{SUPPLY}`"),
            )
        } else {
            (
                if ends[i].1 == n { "to" } else { "from" },
                format!("no link leads from it to `{RETURN}`"),
            )
        };
        return Err(at(
            i,
            end,
            format!(
                "link `{}`: node `{name}` is on no path from `{SUPPLY}` to `{RETURN}` ({why}, \
                 following the links' from → to directions); a dead end or a misspelt node name?",
                links[i].name
            ),
        ));
    }
    Ok(Topology {
        nodes,
        ends,
        supply,
        ret,
    })
}

/// Nodes reachable from `start` along the links (`reverse`: against them).
fn reach(n: usize, ends: &[(usize, usize)], start: usize, reverse: bool) -> Vec<bool> {
    let mut seen = vec![false; n];
    seen[start] = true;
    let mut stack = vec![start];
    while let Some(u) = stack.pop() {
        for &(f, t) in ends {
            let (a, b) = if reverse { (t, f) } else { (f, t) };
            if a == u && !seen[b] {
                seen[b] = true;
                stack.push(b);
            }
        }
    }
    seen
}

fn names_where(nodes: &[String], flag: &[bool]) -> String {
    nodes
        .iter()
        .zip(flag)
        .filter(|(_, &f)| f)
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
