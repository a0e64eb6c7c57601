//! `[coolant] balance` and `balance_cd` in `design.toml`: a valid list loads into the model and
//! builds a network with one orifice per field; unknown, repeated or single fields, a bad or
//! orphan `balance_cd` and a link that takes an orifice's name are rejected naming the field.

use coldtray_solver::hydraulics::{Network, DEFAULT_BALANCE_CD};

use crate::design::{base, ok, rejects};

/// The minimal fixture with two channel fields (`coldplate_0`, `coldplate_1`) and `keys`
/// added to `[coolant]`.
fn with(keys: &str) -> String {
    let b = base();
    let one =
        "[layers.channels]\ndirection = \"+y\"\nfin_thickness_mm = 0.1\nchannel_width_mm = 0.2\n";
    let two = "[[layers.channels]]\nwidth_mm = 5.0\ndirection = \"+y\"\nfin_thickness_mm = 0.1\n\
               channel_width_mm = 0.2\n\n[[layers.channels]]\nx_mm = 5.0\ndirection = \"+y\"\n\
               fin_thickness_mm = 0.1\nchannel_width_mm = 0.2\n";
    assert!(
        b.contains(one) && b.contains("[coolant]\n"),
        "fixture changed"
    );
    b.replacen(one, two, 1)
        .replacen("[coolant]\n", &format!("[coolant]\n{keys}\n"), 1)
}

#[test]
fn a_balance_list_loads_and_builds_one_orifice_per_field() {
    let d = ok(&with(r#"balance = ["coldplate_1", "coldplate_0"]"#));
    let c = d.coolant.as_ref().unwrap();
    assert_eq!(c.balance, ["coldplate_1", "coldplate_0"]);
    assert_eq!(c.balance_cd, DEFAULT_BALANCE_CD);
    let names = vec!["coldplate_0".to_string(), "coldplate_1".to_string()];
    let net = Network::of_coolant(c, names)
        .unwrap()
        .with_balance_orifices(&c.balance, c.balance_cd)
        .unwrap();
    assert!(net.link("balance_coldplate_0").is_some());
    assert!(net.link("balance_coldplate_1").is_some());
    let d = ok(&with(
        "balance = [\"coldplate_0\", \"coldplate_1\"]\nbalance_cd = 0.7",
    ));
    assert_eq!(d.coolant.unwrap().balance_cd, 0.7);
    assert!(ok(&base()).coolant.unwrap().balance.is_empty());
}

#[test]
fn balance_errors_name_the_field() {
    rejects(
        &with(r#"balance = ["coldplate_0", "gpu9"]"#),
        "coolant.balance[1]",
        &["`gpu9`", "coldplate_0, coldplate_1"],
    );
    rejects(
        &with(r#"balance = ["coldplate_0", "coldplate_1", "coldplate_0"]"#),
        "coolant.balance[2]",
        &["`coldplate_0`", "balance[0]", "once"],
    );
    rejects(
        &with(r#"balance = ["coldplate_0"]"#),
        "coolant.balance",
        &["at least two"],
    );
    rejects(
        &with("balance = [\"coldplate_0\", \"coldplate_1\"]\nbalance_cd = 1.5"),
        "coolant.balance_cd",
        &["1.5", "0 < balance_cd ≤ 1"],
    );
    rejects(
        &with("balance_cd = 0.6"),
        "coolant.balance_cd",
        &["without coolant.balance"],
    );
}
