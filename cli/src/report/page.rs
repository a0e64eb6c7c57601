//! The HTML of the report. maud's `html!` checks the markup at compile time and escapes every
//! inserted value (`(expr)`), so names and messages from the result files print as text; the
//! one `PreEscaped` is the crate's own style sheet.

use coldtray_solver::{BlockResult, Budget, Convection, Design, FlowDirection, Layer, Results};
use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::{hydraulics, Image, Report};

/// The page's style sheet (screen and print), inlined into `<style>`.
const CSS: &str = include_str!("style.css");

/// The whole page.
pub(super) fn render(report: &Report) -> String {
    let r = &report.results;
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="generator" content=(format!("coldtray {}", env!("CARGO_PKG_VERSION")));
                title { "coldtray report — " (r.design) }
                style { (PreEscaped(CSS)) }
            }
            body {
                main {
                    (header(report))
                    (warnings(r))
                    (summary(r))
                    (budgets(r))
                    (blocks(r))
                    (stack(report))
                    (hydraulics_section(report))
                    (maps(&report.maps))
                    footer {
                        "Made by coldtray " (env!("CARGO_PKG_VERSION")) " on " (report.generated_at)
                        ". Figures and file formats: docs/formats/results.md; physics and sources: docs/physics.md."
                    }
                }
            }
        }
    }
    .into_string()
}

/// Title block and provenance: which file, with which changes, by which coldtray.
fn header(report: &Report) -> Markup {
    let r = &report.results;
    let p = &report.input;
    let kind = if r.transient.is_some() {
        "transient run"
    } else {
        "steady state"
    };
    html! {
        header.title {
            p.kicker { "coldtray thermal report · " (kind) }
            h1 { (r.design) }
            p.subtitle {
                (f0(r.total_power_w)) " W"
                @if let Some(t) = &report.solved_at { " · solved " (t) }
                @if let Some(v) = &p.coldtray_version { " · coldtray " (v) }
            }
            table.kv.provenance {
                tr { th { "Design file" } td { code { (p.design.as_deref().unwrap_or("(not recorded)")) } } }
                tr { th { "SHA-256" } td { code.hash { (p.design_sha256.as_deref().unwrap_or("(not recorded)")) } } }
                @if let Some(h) = &p.power_trace_sha256 {
                    tr { th { "Power trace SHA-256" } td { code.hash { (h) } } }
                }
                tr {
                    th { "Overrides" }
                    td {
                        @if p.overrides.is_empty() { "none" }
                        @for (i, o) in p.overrides.iter().enumerate() {
                            @if i > 0 { ", " }
                            code { "--set " (o) }
                        }
                    }
                }
                @if !p.command.is_empty() {
                    tr { th { "Command" } td { code { (p.command.join(" ")) } } }
                }
                @if let Some(d) = &p.working_dir {
                    tr { th { "Working directory" } td { code { (d) } } }
                }
                tr { th { "Report generated" } td { (report.generated_at) } }
            }
        }
    }
}

/// The plausibility warnings, highlighted; a quiet line when there are none.
fn warnings(r: &Results) -> Markup {
    html! {
        @if r.warnings.is_empty() {
            p.no-warnings { "No plausibility warnings." }
        } @else {
            section.warnings #warnings {
                h2 { "Warnings (" (r.warnings.len()) ")" }
                ul {
                    @for w in &r.warnings {
                        li { (w.message) " " span.code { "[" (w.code) "]" } }
                    }
                }
            }
        }
    }
}

/// A key figure: label, value, and a smaller note under it.
fn card(id: &str, label: &str, value: String, unit: &str, note: Markup, class: &str) -> Markup {
    html! {
        div class=(format!("card {class}")) {
            div.label { (label) }
            div.value { span id=(id) { (value) } span.unit { (unit) } }
            div.note { (note) }
        }
    }
}

/// Limit and margin of a block as a note: "limit 90 °C · margin 17.3 K".
fn limit_note(b: &BlockResult) -> Markup {
    html! {
        (b.name)
        @if let (Some(l), Some(m)) = (b.limit_c, b.margin_c) {
            br;
            "limit " (f1(l)) " °C · "
            @if m < 0.0 { span.over { "OVER by " (f1(-m)) " K" } } @else { span.ok { "margin " (f1(m)) " K" } }
        }
    }
}

/// The class of a block's card: `over` above its limit, `tight` within 5 K of it.
fn margin_class(b: &BlockResult) -> &'static str {
    match b.margin_c {
        Some(m) if m < 0.0 => "over",
        Some(m) if m < 5.0 => "tight",
        _ => "",
    }
}

/// Key figures as cards, then the rest of the summary as a table.
fn summary(r: &Results) -> Markup {
    let die = r.hottest_die();
    let hbm = r.hottest_hbm();
    let v = &r.solver;
    html! {
        section #summary {
            h2 { "Summary" }
            div.cards {
                @if let Some(b) = die {
                    (card("hottest-die-max", "Hottest die", f1(b.max_c), "°C", limit_note(b), margin_class(b)))
                }
                @if let Some(b) = hbm {
                    (card("hottest-hbm-max", "Hottest HBM", f1(b.max_c), "°C", limit_note(b), margin_class(b)))
                }
                @if let Some(c) = &r.coolant {
                    (card("coolant-outlet", "Coolant outlet", f1(c.outlet_c), "°C",
                        html! { "inlet " (f1(c.inlet_c)) " °C · rise " (f1(c.outlet_c - c.inlet_c)) " K" }, ""))
                    (card("pressure-drop", "Pressure drop", f1(c.pressure_drop_kpa), "kPa",
                        html! { "supply → return at " (f2(c.flow_lpm)) " L/min" }, ""))
                }
                @if let Some(rth) = r.thermal_resistance_c_per_w {
                    (card("r-th", "Thermal resistance", format!("{rth:.4}"), "K/W", html! { "(hottest − reference) / power" }, ""))
                }
                (card("total-power", "Total power", f0(r.total_power_w), "W",
                    html! { "hottest cell " (f1(r.max_c)) " °C" }, ""))
            }
            table.kv {
                @if let Some(c) = &r.coolant {
                    tr { th { "Coolant" } td {
                        (f1(c.inlet_c)) " → " (f1(c.outlet_c)) " °C at " (f2(c.flow_lpm)) " L/min, Δp "
                        (f1(c.pressure_drop_kpa)) " kPa, absorbed " (f0(c.heat_absorbed_w)) " W"
                    } }
                } @else {
                    tr { th { "Coolant" } td { "none (heat leaves through the boundaries)" } }
                }
                @let bh = &r.boundary_heat_w;
                @if bh.top.abs() + bh.bottom.abs() + bh.sides.abs() > 0.0 {
                    tr { th { "Boundaries" } td { "top " (f1(bh.top)) " W, bottom " (f1(bh.bottom)) " W, sides " (f1(bh.sides)) " W" } }
                }
                @if let Some(e) = r.energy_balance_error {
                    tr { th { "Energy balance" } td { (format!("{e:.1e}")) " (relative; ≤ 1e-6 means converged)" } }
                }
                @if let Some(lk) = &r.leakage {
                    tr { th { "Leakage" } td {
                        @if lk.runaway {
                            span.over { "RUNAWAY in " (lk.runaway_block.as_deref().unwrap_or("?")) }
                            " after " (lk.iterations) " iterations: figures are the last stable iterate's"
                        } @else {
                            (f1(r.blocks.iter().filter_map(|b| b.leakage_w).sum::<f64>())) " W at the fixed point ("
                            (lk.iterations) " iterations)"
                        }
                    } }
                }
                @if let Some(tr) = &r.transient {
                    tr { th { "Transient" } td {
                        (tr.times_s.len()) " backward-Euler steps to t = " (tr.times_s.last().copied().unwrap_or(0.0))
                        " s; figures on this page are of the final step"
                    } }
                    @for p in &tr.probes {
                        @if let Some((peak, at)) = p.peak(&tr.times_s) {
                            tr { th { "Peak " (p.name) } td { (f1(peak)) " °C at t = " (at) " s (final " (f1(p.max_c.last().copied().unwrap_or(peak))) " °C)" } }
                        }
                    }
                }
                tr { th { "Solver" } td {
                    (v.iterations) " multigrid cycles to relative residual " (format!("{:.1e}", v.relative_residual))
                    ", " (f2(v.wall_s)) " s on " (v.threads) " thread(s), " (v.cells) " cells, " (v.unknowns) " unknowns"
                } }
                @if let Some(e) = v.grid_error_estimate_c {
                    tr { th { "Grid error (z)" } td { (format!("{e:+.2}")) " K estimated in the hottest temperature (Richardson)" } }
                }
            }
        }
    }
}

/// The blocks whose budget the page shows: every die (non-HBM) block with a budget, then
/// the hottest HBM.
fn budget_blocks(r: &Results) -> Vec<(&BlockResult, &Budget)> {
    let hbm = r.hottest_hbm().map(|b| b.name.as_str());
    r.blocks
        .iter()
        .filter(|b| !b.is_hbm() || Some(b.name.as_str()) == hbm)
        .filter_map(|b| b.budget.as_ref().map(|g| (b, g)))
        .collect()
}

/// The term names of all shown budgets in one order, from the reference up to the hotspot
/// (a term new in a later block goes right after the term it follows there).
fn term_order(budgets: &[(&BlockResult, &Budget)]) -> Vec<String> {
    let mut order: Vec<String> = Vec::new();
    for (_, g) in budgets {
        let mut at = 0;
        for t in g.terms.iter().rev() {
            match order.iter().position(|n| *n == t.name) {
                Some(i) => at = i + 1,
                None => {
                    order.insert(at, t.name.clone());
                    at += 1;
                }
            }
        }
    }
    order
}

/// A qualitative palette (colour-blind-safe Okabe–Ito, then muted extras), by term position.
const PALETTE: [&str; 10] = [
    "#56B4E9", "#0072B2", "#009E73", "#E69F00", "#CC79A7", "#D55E00", "#F0E442", "#999999",
    "#8C6D31", "#6B6ECF",
];

/// The ΔT budget: a stacked bar per block (inline SVG, reference on the left) and a table.
fn budgets(r: &Results) -> Markup {
    let shown = budget_blocks(r);
    if shown.is_empty() {
        return html! {};
    }
    let order = term_order(&shown);
    let colour = |name: &str| {
        let i = order.iter().position(|n| n == name).unwrap_or(0);
        PALETTE[i % PALETTE.len()]
    };
    let max_k = shown
        .iter()
        .map(|(_, g)| g.total_k)
        .fold(0.0_f64, f64::max)
        .max(1e-9);
    let step = nice_step(max_k / 6.0);
    let axis_k = (max_k / step).ceil() * step;
    let (label_w, bar_w, row_h, top) = (170.0, 600.0, 30.0, 24.0);
    let height = top + row_h * shown.len() as f64 + 8.0;
    let scale = bar_w / axis_k;
    let references: Vec<&str> = {
        let mut v: Vec<&str> = shown.iter().map(|(_, g)| g.reference.as_str()).collect();
        v.dedup();
        v
    };
    let ticks: Vec<f64> = (0..)
        .map(|i| f64::from(i) * step)
        .take_while(|t| *t <= axis_k + step * 1e-9)
        .collect();
    html! {
        section #budget {
            h2 { "ΔT budget" }
            p.lead {
                "The drop from each block's hottest cell down to the "
                (references.join(" / "))
                ", term by term along the vertical path in that cell's column (left: the reference, right: the hotspot)."
            }
            svg.budget-chart role="img" aria-label="Stacked ΔT budget per block"
                viewBox=(format!("0 0 {} {height}", label_w + bar_w + 150.0)) {
                @for t in &ticks {
                    @let x = label_w + t * scale;
                    line x1=(x) x2=(x) y1=(top - 6.0) y2=(height - 8.0) class="grid" {}
                    text x=(x) y=(top - 10.0) text-anchor="middle" class="tick" { (trim(*t)) " K" }
                }
                @for (row, (b, g)) in shown.iter().enumerate() {
                    @let y = top + row_h * row as f64 + 4.0;
                    text x=(label_w - 8.0) y=(y + row_h / 2.0) text-anchor="end" class="rowlabel" { (b.name) }
                    @let segments = segments(g, label_w, scale);
                    @for (x, w, name, drop_k) in &segments {
                        rect x=(x) y=(y) width=(w) height=(row_h - 10.0) fill=(colour(name)) {
                            title { (name) ": " (f1(*drop_k)) " K" }
                        }
                    }
                    @let end = segments.last().map_or(label_w, |(x, w, _, _)| x + w);
                    text x=(end + 6.0) y=(y + row_h / 2.0 - 1.0) class="total" { (f1(g.total_k)) " K → " (f1(g.hotspot_c)) " °C" }
                }
            }
            div.legend {
                @for name in &order {
                    span.item { span.swatch style=(format!("background:{}", colour(name))) {} (name) }
                }
            }
            table.data.budget {
                thead { tr {
                    th { "block" }
                    th.num { "reference °C" }
                    @for name in &order { th.num { span.swatch style=(format!("background:{}", colour(name))) {} (name) " K" } }
                    th.num { "total K" }
                    th.num { "hotspot °C" }
                } }
                tbody {
                    @for (b, g) in &shown {
                        tr {
                            td { (b.name) }
                            td.num { (f1(g.reference_c)) }
                            @for name in &order {
                                td.num { @if let Some(t) = g.terms.iter().find(|t| t.name == *name) { (f1(t.drop_k)) } @else { "–" } }
                            }
                            td.num.strong { (f1(g.total_k)) }
                            td.num { (f1(g.hotspot_c)) }
                        }
                    }
                }
            }
        }
    }
}

/// The bar segments of one budget, from the reference up: (x, width, term, drop K); a
/// negative drop (round-off, or heat flowing back up) gets no width.
fn segments(g: &Budget, x0: f64, scale: f64) -> Vec<(f64, f64, &str, f64)> {
    let mut x = x0;
    g.terms
        .iter()
        .rev()
        .map(|t| {
            let w = t.drop_k.max(0.0) * scale;
            x += w;
            (x - w, w, t.name.as_str(), t.drop_k)
        })
        .collect()
}

/// A round axis step (1, 2 or 5 × 10ⁿ) at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let p = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * p)
}

/// Every block: power, temperatures, limit and margin.
fn blocks(r: &Results) -> Markup {
    if r.blocks.is_empty() {
        return html! {};
    }
    let leakage = r.blocks.iter().any(|b| b.leakage_w.is_some());
    html! {
        section #blocks {
            h2 { "Blocks" }
            table.data {
                thead { tr {
                    th { "block" } th { "layer" } th.num { "power W" }
                    @if leakage { th.num { "leakage W" } }
                    th.num { "max °C" } th.num { "mean °C" } th.num { "limit °C" } th.num { "margin K" }
                } }
                tbody {
                    @for b in &r.blocks {
                        tr {
                            td { (b.name) } td { (b.layer) } td.num { (f1(b.power_w)) }
                            @if leakage { td.num { (b.leakage_w.map(f1).unwrap_or_default()) } }
                            td.num.strong { (f1(b.max_c)) } td.num { (f1(b.mean_c)) }
                            td.num { (b.limit_c.map(f1).unwrap_or_default()) }
                            @match b.margin_c {
                                Some(m) if m < 0.0 => td.num.over { (f1(m)) },
                                Some(m) => td.num class=(if m < 5.0 { "tight" } else { "ok" }) { (f1(m)) },
                                None => td.num { },
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The stack, bottom to top, from the resolved design (or, without it, from results.json).
fn stack(report: &Report) -> Markup {
    let r = &report.results;
    html! {
        section #stack {
            h2 { "Design stack" }
            @match &report.design {
                Ok(d) => {
                    (design_facts(d))
                    table.data.stack {
                        thead { tr {
                            th.num { "#" } th { "layer" } th.num { "thickness mm" } th { "material" }
                            th.num { "k W/(m·K)" } th.num { "z cells" } th { "blocks" } th { "channels" }
                            th.num { "max °C" } th.num { "mean °C" }
                        } }
                        tbody {
                            @for (i, layer) in d.layers.iter().enumerate() {
                                @let solved = r.layers.iter().find(|l| l.name == layer.name);
                                tr {
                                    td.num { (i + 1) }
                                    td.strong { (layer.name) }
                                    td.num { (trim(layer.thickness_mm)) }
                                    td { (layer.material.name) }
                                    td.num { (conductivity(layer.material.k_xy, layer.material.k_z)) }
                                    td.num.nowrap { (z_cells(layer, solved.map(|l| l.z_cells))) }
                                    td.small { (layer_blocks(d, i)) }
                                    td.small { (channels(layer)) }
                                    td.num { (solved.map(|l| f1(l.max_c)).unwrap_or_default()) }
                                    td.num { (solved.map(|l| f1(l.mean_c)).unwrap_or_default()) }
                                }
                            }
                        }
                    }
                    p.note { "Layer 1 is the bottom of the stack. k: isotropic, or in-plane / through-plane. z cells: auto = graded by the solver (docs/physics.md, \"z cells by default\")." }
                }
                Err(why) => {
                    p.note { "The resolved design could not be read (" (why) "); the layers below are from results.json." }
                    table.data.stack {
                        thead { tr { th.num { "#" } th { "layer" } th.num { "z cells" } th.num { "max °C" } th.num { "mean °C" } th.num { "min °C" } } }
                        tbody {
                            @for (i, l) in r.layers.iter().enumerate() {
                                tr {
                                    td.num { (i + 1) } td.strong { (l.name) } td.num { (l.z_cells) }
                                    td.num { (f1(l.max_c)) } td.num { (f1(l.mean_c)) } td.num { (f1(l.min_c)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Domain, coolant and boundaries of the design in one table.
fn design_facts(d: &Design) -> Markup {
    let face = |c: &Convection| {
        if c.h_w_m2k > 0.0 {
            format!(
                "h = {} W/(m²·K) to {} °C",
                trim(c.h_w_m2k),
                trim(c.ambient_c)
            )
        } else {
            "adiabatic".to_string()
        }
    };
    html! {
        table.kv {
            tr { th { "Domain" } td {
                (trim(d.width_mm)) " × " (trim(d.depth_mm)) " mm, in-plane cell " (trim(d.cell_mm)) " mm; "
                (d.layers.len()) " layers, " (d.blocks.len()) " blocks"
            } }
            @if let Some(c) = &d.coolant {
                tr { th { "Coolant" } td { (c.fluid.name) ", " (if c.pump_curve.is_some() { "pump curve".to_string() } else { format!("{} L/min", trim(c.flow_lpm)) }) " at " (trim(c.inlet_c)) " °C inlet" } }
            }
            tr { th { "Boundaries" } td {
                "top " (face(&d.boundary.top)) "; bottom " (face(&d.boundary.bottom)) "; sides " (face(&d.boundary.sides))
            } }
            @if let Some(t) = &d.transient {
                tr { th { "Transient" } td {
                    (trim(t.duration_s)) " s in steps of " (trim(t.dt_s)) " s from " (trim(t.initial_c)) " °C"
                    @if t.trace.is_some() { ", with a power trace" }
                } }
            }
        }
    }
}

/// "385" for an isotropic material, "30 / 0.8" for in-plane / through-plane.
fn conductivity(k_xy: f64, k_z: f64) -> String {
    if k_xy == k_z {
        trim(k_xy)
    } else {
        format!("{} / {}", trim(k_xy), trim(k_z))
    }
}

/// The z cells the solver used, marked `auto` when the design let the solver grade them.
fn z_cells(layer: &Layer, solved: Option<usize>) -> Markup {
    html! {
        @match (layer.cells, solved) {
            (Some(c), Some(s)) if c == s => (s),
            (Some(c), Some(s)) => { (s) span.auto { "(asked " (c) ")" } }
            (None, Some(s)) => { (s) span.auto { "auto" } }
            (Some(c), None) => (c),
            (None, None) => span.auto { "auto" },
        }
    }
}

/// The blocks of layer `index`: name and power.
fn layer_blocks(d: &Design, index: usize) -> Markup {
    html! {
        @for (n, b) in d.blocks.iter().filter(|b| b.layer == index).enumerate() {
            @if n > 0 { ", " }
            span.nowrap {
                (b.name)
                @if b.power_w > 0.0 { " (" (trim(b.power_w)) " W)" }
            }
        }
    }
}

/// The channel fields of a layer, one line each.
fn channels(layer: &Layer) -> Markup {
    html! {
        @for c in &layer.channels {
            div {
                (direction(c.direction)) ": " (trim(c.width_mm)) " × " (trim(c.depth_mm)) " mm at ("
                (trim(c.x_mm)) ", " (trim(c.y_mm)) "), fin " (trim(c.fin_thickness_mm)) " / gap "
                (trim(c.channel_width_mm)) " mm, " (c.fin_material.name)
                @if let Some(h) = c.h_w_m2k { ", h = " (trim(h)) " W/(m²·K)" }
                @if let Some(p) = c.pressure_drop_kpa { ", Δp = " (trim(p)) " kPa" }
            }
        }
    }
}

fn direction(d: FlowDirection) -> &'static str {
    match d {
        FlowDirection::PlusX => "+x",
        FlowDirection::MinusX => "−x",
        FlowDirection::PlusY => "+y",
        FlowDirection::MinusY => "−y",
    }
}

/// The hydraulics section: its PNG and a table of whatever `results.json` holds; omitted
/// when neither exists.
fn hydraulics_section(report: &Report) -> Markup {
    if report.hydraulics.is_none() && report.hydraulics_png.is_none() {
        return html! {};
    }
    html! {
        section #hydraulics {
            h2 { "Hydraulics" }
            @if let Some(v) = &report.hydraulics { (hydraulics::table(v)) }
            @if let Some(img) = &report.hydraulics_png { (figure(img)) }
        }
    }
}

/// The maps, each on its own printed page.
fn maps(maps: &[Image]) -> Markup {
    html! {
        section #maps {
            h2 { "Maps" }
            @if maps.is_empty() {
                p.note { "No maps in this directory (simulated with --no-png): `coldtray plot DIR` renders them from the saved field." }
            }
            @for img in maps { (figure(img)) }
        }
    }
}

fn figure(img: &Image) -> Markup {
    html! {
        figure.map {
            img src=(img.data_uri) alt=(img.caption);
            figcaption { (img.caption) " " span.file { "(" (img.file) ")" } }
        }
    }
}

/// One decimal.
fn f1(x: f64) -> String {
    format!("{x:.1}")
}

/// Two decimals.
fn f2(x: f64) -> String {
    format!("{x:.2}")
}

/// No decimals.
fn f0(x: f64) -> String {
    format!("{x:.0}")
}

/// A design input as written: up to 6 significant decimals, trailing zeros dropped.
pub(super) fn trim(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}
