//! `hotspot::import` on the small fixtures in `tests/fixtures/hotspot/` (written for these
//! tests in HotSpot's formats): the design text parses as TOML and holds the stack, the
//! geometry, the powers and the boundary the HotSpot files describe.

use std::path::{Path, PathBuf};

use coldtray_import::hotspot::{import, Imported, Inputs};
use toml::{Table, Value};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hotspot")
        .join(name)
}

fn die_inputs() -> Inputs {
    Inputs {
        flp: Some(fixture("three.flp")),
        ptrace: fixture("three.ptrace"),
        config: Some(fixture("small.config")),
        materials: Some(fixture("small.materials")),
        lcf: None,
        trace_csv_name: "small-trace.csv".into(),
    }
}

fn parsed(imported: &Imported) -> Table {
    imported
        .design_toml
        .parse::<Table>()
        .expect("the design is valid TOML")
}

fn f(v: &Value, key: &str) -> f64 {
    v[key]
        .as_float()
        .unwrap_or_else(|| panic!("{key} is a float in {v}"))
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is a string in {v}"))
}

fn array<'a>(t: &'a Table, key: &str) -> &'a Vec<Value> {
    t[key].as_array().unwrap()
}

fn block<'a>(t: &'a Table, name: &str) -> &'a Value {
    array(t, "blocks")
        .iter()
        .find(|b| s(b, "name") == name)
        .unwrap()
}

/// Every number of the small die case, from the fixtures by hand (m → mm, K → °C, averages).
#[test]
fn die_case_maps_every_parameter() {
    let imported = import(&die_inputs()).unwrap();
    let t = parsed(&imported);

    // Domain: the 20 mm sink; cell: the 4 mm die over 32 grid columns.
    let domain = &t["domain"];
    assert_eq!((f(domain, "width_mm"), f(domain, "depth_mm")), (20.0, 20.0));
    assert_eq!(f(domain, "cell_mm"), 0.125);

    // Layers bottom up, each void outside its blocks.
    let layers: Vec<(&str, f64, &str)> = array(&t, "layers")
        .iter()
        .map(|l| (s(l, "name"), f(l, "thickness_mm"), s(l, "material")))
        .collect();
    assert_eq!(
        layers,
        [
            ("die", 0.5, "void"),
            ("interface", 0.02, "void"),
            ("spreader", 1.0, "void"),
            ("sink", 5.0, "void")
        ]
    );

    // The die centred on the 20 mm domain: its 4 mm outline starts at 8 mm.
    let core = block(&t, "core");
    assert_eq!((f(core, "x_mm"), f(core, "y_mm")), (8.0, 10.0));
    assert_eq!((f(core, "width_mm"), f(core, "depth_mm")), (2.0, 2.0));
    assert_eq!(s(core, "layer"), "die");
    assert_eq!(s(core, "material"), "hotspot_chip");
    // Steady powers: the trace's column averages (10, 20 → 15; 2, 4 → 3; 4, 6 → 5).
    assert_eq!(f(core, "power_w"), 15.0);
    assert_eq!(f(block(&t, "cache"), "power_w"), 3.0);
    let uncore = block(&t, "uncore");
    assert_eq!(f(uncore, "power_w"), 5.0);
    assert_eq!(s(uncore, "material"), "uncore_material");
    let interface = block(&t, "interface");
    assert_eq!(
        (
            f(interface, "x_mm"),
            f(interface, "y_mm"),
            f(interface, "width_mm")
        ),
        (8.0, 8.0, 4.0)
    );
    let spreader = block(&t, "spreader");
    assert_eq!((f(spreader, "x_mm"), f(spreader, "width_mm")), (5.0, 10.0));
    let sink = block(&t, "sink");
    assert_eq!((f(sink, "x_mm"), f(sink, "width_mm")), (0.0, 20.0));

    // Materials: -k_chip/-p_chip, the unit's own resistivity, copper from the materials file.
    let material = |name: &str| {
        array(&t, "materials")
            .iter()
            .find(|m| s(m, "name") == name)
            .unwrap()
            .clone()
    };
    let chip = material("hotspot_chip");
    assert_eq!(f(&chip, "k"), 150.0);
    // ρ·c_p is kept exactly as the product of the nominal density and c_p.
    assert_eq!(f(&chip, "density_kg_m3") * f(&chip, "cp_j_kgk"), 1.75e6);
    assert_eq!(f(&material("uncore_material"), "k"), 100.0);
    assert_eq!(f(&material("hotspot_sink"), "k"), 400.0);
    assert_eq!(f(&material("hotspot_interface"), "k"), 4.0);

    // The convection: one lumped patch over the sink's top, ambient in °C.
    let patches = t["boundary"]["patches"].as_array().unwrap();
    assert_eq!(patches.len(), 1);
    let p = &patches[0];
    assert_eq!(s(p, "face"), "top");
    assert_eq!(
        (
            f(p, "x_mm"),
            f(p, "y_mm"),
            f(p, "width_mm"),
            f(p, "depth_mm")
        ),
        (0.0, 0.0, 20.0, 20.0)
    );
    assert_eq!(f(p, "ambient_c"), 27.0);
    assert_eq!(f(p, "r_k_w"), 0.5);
    assert!(p.get("h_w_m2k").is_none());

    // The transient replays the trace at the sampling interval from -init_temp.
    let tr = &t["transient"];
    assert_eq!((f(tr, "dt_s"), f(tr, "duration_s")), (0.001, 0.002));
    assert_eq!(f(tr, "initial_c"), 37.0);
    assert_eq!(s(tr, "power_trace"), "small-trace.csv");
    assert_eq!(
        imported.trace_csv,
        "time_s,core,cache,uncore\n0.0,10,2,4\n0.001,20,4,6\n"
    );

    // The header says where the design came from and how the parameters mapped.
    let text = &imported.design_toml;
    assert!(
        text.starts_with("# Imported by `coldtray import hotspot`"),
        "{text}"
    );
    assert!(
        text.contains("-r_convec 0.5 K/W (small.config:13)"),
        "{text}"
    );
    assert!(text.contains("-c_convec ignored"), "{text}");
    assert!(imported.notes.iter().any(|n| n.contains("-c_convec")));
    assert!(
        text.contains("-t_pcb"),
        "unused parameters are listed: {text}"
    );
}

/// Power is conserved: the blocks' powers sum to the trace's mean total, and every block lies
/// inside the domain without overlapping another block of its layer; the die layer's blocks
/// tile the die outline exactly.
#[test]
fn geometry_and_power_are_consistent() {
    let t = parsed(&import(&die_inputs()).unwrap());
    let blocks = array(&t, "blocks");
    let total: f64 = blocks
        .iter()
        .filter_map(|b| b.get("power_w")?.as_float())
        .sum();
    // Mean of the row totals (16 and 30 W).
    assert!((total - 23.0).abs() < 1e-12, "{total}");
    let rect = |b: &Value| {
        let (x, y) = (f(b, "x_mm"), f(b, "y_mm"));
        (x, y, x + f(b, "width_mm"), y + f(b, "depth_mm"))
    };
    for (i, a) in blocks.iter().enumerate() {
        let ra = rect(a);
        assert!(
            ra.0 >= 0.0 && ra.1 >= 0.0 && ra.2 <= 20.0 && ra.3 <= 20.0,
            "{a}"
        );
        for b in &blocks[i + 1..] {
            if s(a, "layer") != s(b, "layer") {
                continue;
            }
            let rb = rect(b);
            let dx = ra.2.min(rb.2) - ra.0.max(rb.0);
            let dy = ra.3.min(rb.3) - ra.1.max(rb.1);
            assert!(dx <= 1e-12 || dy <= 1e-12, "{a} overlaps {b}");
        }
    }
    let die_area: f64 = blocks
        .iter()
        .filter(|b| s(b, "layer") == "die")
        .map(|b| f(b, "width_mm") * f(b, "depth_mm"))
        .sum();
    assert!((die_area - 16.0).abs() < 1e-12, "{die_area}");
}

/// A floorplan with a hole gets a filler block of the layer's material (HotSpot's grid fills
/// dead space with it), so the die outline stays covered.
#[test]
fn dead_space_is_filled_with_the_die_material() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("import-dead-space");
    std::fs::create_dir_all(&dir).unwrap();
    let flp = dir.join("holey.flp");
    std::fs::write(&flp, "a 0.002 0.004 0 0\nb 0.002 0.002 0.002 0\n").unwrap();
    let ptrace = dir.join("holey.ptrace");
    std::fs::write(&ptrace, "a b\n1 1\n").unwrap();
    let inputs = Inputs {
        flp: Some(flp),
        ptrace,
        ..die_inputs()
    };
    let t = parsed(&import(&inputs).unwrap());
    let filler = block(&t, "die_dead_space_0");
    assert_eq!(
        (
            f(filler, "x_mm"),
            f(filler, "y_mm"),
            f(filler, "width_mm"),
            f(filler, "depth_mm")
        ),
        (10.0, 10.0, 2.0, 2.0)
    );
    assert_eq!(s(filler, "material"), "hotspot_chip");
    assert!(filler.get("power_w").is_none());
}

/// A layer file: its layers replace the die and the interface, in layer-number order; an
/// unpowered layer's blocks are prefixed with the layer; lateral `N` becomes a tiny k_xy.
#[test]
fn layer_file_stack() {
    let inputs = Inputs {
        flp: None,
        lcf: Some(fixture("stack.lcf")),
        ..die_inputs()
    };
    let t = parsed(&import(&inputs).unwrap());
    let names: Vec<&str> = array(&t, "layers").iter().map(|l| s(l, "name")).collect();
    assert_eq!(names, ["layer0", "layer1", "spreader", "sink"]);
    let tim = block(&t, "layer1_tim");
    assert_eq!(s(tim, "layer"), "layer1");
    assert!(tim.get("power_w").is_none());
    assert_eq!(f(block(&t, "core"), "power_w"), 15.0);
    let m = array(&t, "materials")
        .iter()
        .find(|m| s(m, "name") == "layer1_material")
        .unwrap();
    assert_eq!(f(m, "k_z"), 4.0); // 1 / 0.25 m·K/W
    assert!(f(m, "k_xy") < 1e-5);
    assert!(m.get("k").is_none());
}

/// Each problem is one line naming the file, the line and what was expected.
#[test]
fn errors_are_one_line_with_file_and_line() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("import-errors");
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let err = |inputs: Inputs| {
        let e = import(&inputs).unwrap_err().to_string();
        assert!(!e.contains('\n'), "{e}");
        e
    };

    // The configuration names a material but no materials file is given.
    let e = err(Inputs {
        materials: None,
        ..die_inputs()
    });
    assert!(e.ends_with("small.config:9: -material_spreader names the material `copper`: give the materials file with --materials"), "{e}");

    // A trace column that is no unit.
    let ptrace = write("extra.ptrace", "core cache uncore gpu\n1 1 1 1\n");
    let e = err(Inputs {
        ptrace,
        ..die_inputs()
    });
    assert!(e.contains("extra.ptrace: unit `gpu` is not a unit"), "{e}");

    // A unit without a trace column names the floorplan line.
    let ptrace = write("short.ptrace", "core cache\n1 1\n");
    let e = err(Inputs {
        ptrace,
        ..die_inputs()
    });
    assert!(
        e.contains("three.flp:6: unit `uncore` has no column"),
        "{e}"
    );

    // A spreader smaller than the die, and the secondary path.
    let config = write("tiny.config", "-s_spreader 0.003\n");
    let e = err(Inputs {
        config: Some(config),
        ..die_inputs()
    });
    assert!(
        e.contains("tiny.config:1: -s_spreader 0.003 m is smaller than the die (4.0 × 4.0 mm)"),
        "{e}"
    );
    let config = write("secondary.config", "# x\n-model_secondary 1\n");
    let e = err(Inputs {
        config: Some(config),
        ..die_inputs()
    });
    assert!(
        e.contains("secondary.config:2: -model_secondary 1: HotSpot's secondary heat path"),
        "{e}"
    );

    // An ambient in °C instead of K.
    let config = write("celsius.config", "-ambient 45\n");
    let e = err(Inputs {
        config: Some(config),
        ..die_inputs()
    });
    assert!(e.contains("celsius.config:1: -ambient: expected the ambient temperature in kelvin between 150 and 1000, got 45"), "{e}");

    // A missing file.
    let e = err(Inputs {
        flp: Some(dir.join("missing.flp")),
        ..die_inputs()
    });
    assert!(e.contains("missing.flp: cannot read"), "{e}");
}
