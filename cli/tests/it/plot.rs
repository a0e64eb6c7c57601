//! `coldtray plot` end to end: the built binary re-renders a saved field.

use crate::{coldtray_exe, stderr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use coldtray_maps::render::sample::synthetic_field;

/// A result directory holding a saved synthetic field.
fn saved(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("plot")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let field = synthetic_field(48, 48);
    coldtray_maps::write_field(&field, &d).unwrap();
    d
}

fn plot(dir: &Path, args: &[&str]) -> Output {
    Command::new(coldtray_exe())
        .arg("plot")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let be = |o: usize| u32::from_be_bytes(bytes[o..o + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
fn renders_layers_coolant_and_sections() {
    let dir = saved("ok");
    let cases: [(&str, Vec<&str>); 5] = [
        ("die.png", vec!["--layer", "die"]),
        ("hot.png", vec![]),
        ("coolant.png", vec!["--coolant", "--range", "40:60"]),
        ("sx.png", vec!["--section", "x=60", "--width", "1300"]),
        ("sh.png", vec!["--section", "hottest", "--range", "-5:120"]),
    ];
    for (file, args) in cases {
        let out = dir.join(file);
        let mut all = args.clone();
        let out_s = out.to_string_lossy().into_owned();
        all.extend(["--out", &out_s]);
        let o = plot(&dir, &all);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let (w, _) = png_size(&out);
        assert_eq!(w, if file == "sx.png" { 1300 } else { 1600 });
    }
}

#[test]
fn unknown_layer_exits_2_and_lists_the_valid_layers() {
    let dir = saved("unknown");
    let out = dir.join("x.png");
    let o = plot(&dir, &["--layer", "dye", "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("unknown layer \"dye\""), "{e}");
    assert!(
        e.contains("substrate, die, tim, lid, coldplate_fins, coldplate_base"),
        "{e}"
    );
    assert!(!out.exists());
}

#[test]
fn bad_ranges_sections_and_coolant_layers_are_rejected() {
    let dir = saved("bad");
    let out = dir.join("x.png");
    let out = out.to_str().unwrap();
    for (args, want) in [
        (
            vec!["--range", "90:40"],
            "MIN (90 °C) must be below MAX (40 °C)",
        ),
        (vec!["--range", "50:50"], "must be below MAX"),
        (vec!["--range", "hot:cold"], "expected MIN:MAX"),
        (vec!["--section", "x=130"], "valid x is 0 to 120 mm"),
        (vec!["--section", "z=3"], "expected x=MM, y=MM or hottest"),
        (
            vec!["--layer", "die", "--coolant"],
            "holds no coolant; coolant layers: coldplate_fins",
        ),
    ] {
        let mut all = args.clone();
        all.extend(["--out", out]);
        let o = plot(&dir, &all);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
    }
    // A directory without a saved field says how to make one.
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let o = plot(&empty, &["--out", out]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("coldtray simulate"), "{}", stderr(&o));
}
