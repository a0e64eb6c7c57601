//! `--set PATH=VALUE` overrides (`design::apply_overrides`, `Design::from_toml_str_with`):
//! an override gives the same design as the same edit made in the file, and a bad path or
//! value is one line naming `--set PATH` and what is valid there.

use coldtray_solver::design::{apply_overrides, Override};
use coldtray_solver::{ConfigError, Design};

use super::{base, edit, ok, src};

fn ov(specs: &[&str]) -> Vec<Override> {
    specs
        .iter()
        .map(|s| s.parse().unwrap_or_else(|e| panic!("{s}: {e}")))
        .collect()
}

fn with(specs: &[&str]) -> Result<Design, ConfigError> {
    Design::from_toml_str_with(&base(), &src(), &ov(specs))
}

/// Assert the overrides fail at `--set PATH` in one line naming the file and every word.
fn rejects(specs: &[&str], path: &str, words: &[&str]) -> ConfigError {
    let e = with(specs).unwrap_err();
    let msg = e.to_string();
    let field = format!("--set {path}");
    assert_eq!(e.field.as_deref(), Some(field.as_str()), "{msg}");
    assert!(
        msg.starts_with(&format!("{}: {field}: ", src().display())),
        "{msg}"
    );
    assert!(!msg.contains('\n'), "not one line: {msg}");
    assert_eq!((e.line, e.column), (None, None), "{msg}");
    for w in words {
        assert!(msg.contains(w), "{msg:?} lacks {w:?}");
    }
    e
}

#[test]
fn overrides_equal_the_same_edit_in_the_file() {
    let cases: [(&[&str], &str, &str); 6] = [
        (
            &["coolant.flow_lpm=0.25"],
            "flow_lpm = 0.1",
            "flow_lpm = 0.25",
        ),
        (&["coolant.inlet_c=30"], "inlet_c = 45.0", "inlet_c = 30"),
        (
            &["blocks.die0.power_w=75.5"],
            "power_w = 50.0",
            "power_w = 75.5",
        ),
        (
            &["layers.coldplate.channels.channel_width_mm=0.3"],
            "channel_width_mm = 0.2",
            "channel_width_mm = 0.3",
        ),
        (
            &["layers.die.material=silicon"],
            "material = \"mold\"",
            "material = \"silicon\"",
        ),
        // A new key that is a valid field.
        (
            &["blocks.die1.power_w=5"],
            "material = \"silicon\"\n\n[coolant]",
            "material = \"silicon\"\npower_w = 5\n\n[coolant]",
        ),
    ];
    for (specs, from, to) in cases {
        let by_set = with(specs).unwrap_or_else(|e| panic!("{specs:?}: {e}"));
        assert_eq!(by_set, ok(&edit(from, to)), "{specs:?}");
    }
    // Several overrides, the later winning on the same field.
    let d = with(&["coolant.flow_lpm=0.3", "coolant.flow_lpm=0.2"]).unwrap();
    assert_eq!(d, ok(&edit("flow_lpm = 0.1", "flow_lpm = 0.2")));
}

#[test]
fn material_override_reaches_a_named_material() {
    let text = base().replace(
        "[[layers]]\nname = \"coldplate\"",
        "[[materials]]\nname = \"my_tim\"\nk = 4.0\n\n[[layers]]\nname = \"coldplate\"",
    );
    let a = Design::from_toml_str_with(&text, &src(), &ov(&["materials.my_tim.k=8"])).unwrap();
    let b = Design::from_toml_str(&text.replace("k = 4.0", "k = 8"), &src()).unwrap();
    assert_eq!(a, b);
}

#[test]
fn unknown_names_list_the_valid_ones() {
    rejects(
        &["layers.cold_plate.thickness_mm=2"],
        "layers.cold_plate.thickness_mm",
        &["no layer named `cold_plate`", "coldplate, die"],
    );
    rejects(
        &["blocks.die9.power_w=1"],
        "blocks.die9.power_w",
        &["no block named `die9`", "die0, die1"],
    );
    // An unknown field is found by the serde pass, which lists the valid fields.
    rejects(
        &["coolant.flow_lmp=1"],
        "coolant.flow_lmp",
        &["unknown field", "flow_lpm", "inlet_c"],
    );
    rejects(
        &["colant.flow_lpm=1"],
        "colant.flow_lpm",
        &["unknown field", "coolant", "domain"],
    );
    rejects(
        &["blocks.die0.powr_w=1"],
        "blocks.die0.powr_w",
        &["unknown field", "power_w"],
    );
    rejects(
        &["coolant.flow_lpm.x=1"],
        "coolant.flow_lpm.x",
        &["is a number, not a table"],
    );
    // The minimal design has no [[materials]]: an override cannot add one.
    rejects(
        &["materials.my_tim.k=1"],
        "materials.my_tim.k",
        &["no [[materials]]", "cannot add a material"],
    );
    rejects(
        &["layers.die=1"],
        "layers.die",
        &["is a layer", "name one of its fields"],
    );
}

#[test]
fn wrong_types_and_values_name_the_field() {
    rejects(
        &["coolant.flow_lpm=fast"],
        "coolant.flow_lpm",
        &["invalid type", "fast"],
    );
    rejects(
        &["blocks.die0.power_w=-5"],
        "blocks.die0.power_w",
        &["≥ 0", "-5"],
    );
    rejects(
        &["layers.coldplate.channels.channel_width_mm=0"],
        "layers.coldplate.channels.channel_width_mm",
        &["> 0"],
    );
    rejects(
        &["layers.die.material=unobtainium"],
        "layers.die.material",
        &["unobtainium"],
    );
}

#[test]
fn names_with_dots_or_quotes_are_rejected_clearly() {
    for spec in [
        "layers.\"a.b\".thickness_mm=1",
        "layers.'die'.thickness_mm=1",
        "layers[0].name=x",
    ] {
        let e = spec.parse::<Override>().unwrap_err();
        assert!(e.contains("cannot appear in a --set path"), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }
    let text = base()
        .replace("name = \"die\"", "name = \"die.top\"")
        .replace("layer = \"die\"", "layer = \"die.top\"");
    let e = Design::from_toml_str_with(&text, &src(), &ov(&["layers.die.top.thickness_mm=1"]))
        .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("layer `die.top` has a `.` in its name"),
        "{msg}"
    );
    assert!(msg.contains("rename"), "{msg}");
}

#[test]
fn several_unnamed_channel_fields_are_addressed_by_position() {
    let two = base().replace(
        "[layers.channels]\ndirection = \"+y\"\nfin_thickness_mm = 0.1\nchannel_width_mm = 0.2\n",
        "[[layers.channels]]\nx_mm = 0\nwidth_mm = 5\ndirection = \"+y\"\nfin_thickness_mm = 0.1\n\
         channel_width_mm = 0.2\n[[layers.channels]]\nx_mm = 5\nwidth_mm = 5\ndirection = \"+y\"\n\
         fin_thickness_mm = 0.1\nchannel_width_mm = 0.2\n",
    );
    let d0 = Design::from_toml_str(&two, &src()).unwrap_or_else(|e| panic!("{e}"));
    let set = |spec: &str| Design::from_toml_str_with(&two, &src(), &ov(&[spec]));
    let d = set("layers.coldplate.channels.1.channel_width_mm=0.3").unwrap();
    assert_eq!(d.layers[0].channels[0], d0.layers[0].channels[0]);
    assert_ne!(d.layers[0].channels[1], d0.layers[0].channels[1]);
    let e = set("layers.coldplate.channels.channel_width_mm=0.3").unwrap_err();
    assert!(e.to_string().contains("have no names"), "{e}");
    assert!(e.to_string().contains("0 to 1"), "{e}");
}

#[test]
fn no_overrides_is_the_text_itself() {
    assert_eq!(apply_overrides(&base(), &src(), &[]).unwrap(), base());
    let text = apply_overrides(&base(), &src(), &ov(&["coolant.flow_lpm=0.2"])).unwrap();
    assert!(text.contains("flow_lpm = 0.2"), "{text}");
    assert_eq!(
        Design::from_toml_str(&text, &src()).unwrap(),
        with(&["coolant.flow_lpm=0.2"]).unwrap()
    );
}
