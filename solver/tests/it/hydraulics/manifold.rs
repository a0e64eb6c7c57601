//! Manifold ladders: which cold plates of a header-fed row get the most flow, and a ladder
//! whose middle rung runs backwards.
//!
//! The physics, with friction-only headers (the model has no momentum terms, so no static
//! pressure recovery in the dividing header). A ladder has a supply header a₀ … a₋ and a
//! return header b₀ … b₋ with plate i between aᵢ and bᵢ; the flow in a header segment is the
//! sum of the plate flows it still has to deliver or has already collected.
//!
//! - **U-type, "direct return"**: inlet and outlet at the same end (plate 0). The coolant
//!   through plate i crosses i supply-header segments and i return-header segments, so the
//!   path through plate 0 is the shortest and every further plate adds header drop: the
//!   plate flows fall monotonically with distance from the ports, q₀ > q₁ > … > q₋.
//! - **Z-type, "reverse return"**: inlet at plate 0's end of the supply header, outlet at the
//!   far end of the return header; every path crosses the same number of segments (first
//!   in, last out). Plate i sees Δpᵢ = p(aᵢ) − p(bᵢ), whose change along the row is
//!   r·(Q_b(i) − Q_a(i)) for segments of resistance r: negative while the supply header still
//!   carries more than the return header has collected (near the inlet), positive after.
//!   Δpᵢ is therefore largest at both ends and smallest in the middle. Rotating the ladder by
//!   180° and reversing every flow maps it onto itself (odd laws, identical segments), so the
//!   split is symmetric, qᵢ = q₋₋ᵢ, with the end plates highest and the middle lowest, and
//!   far more even than the U-type's.
//!
//! (HVAC usage: "reverse return" is the equal-path Z arrangement; "direct return" the U.)

use coldtray_solver::hydraulics::{Drive, Link, LinkKind, Network, Pipe, Quadratic};

use super::{certify, field, link, names, rel, Fields, LPM, WATER};

#[derive(Clone, Copy, PartialEq)]
enum Ladder {
    U,
    Z,
}

/// `n` identical plates between a supply and a return header of identical segments.
fn ladder(n: usize, kind: Ladder, segment: LinkKind) -> Vec<Link> {
    let feed = LinkKind::Pipe(Pipe::new(500.0, 12.0, 1.5));
    let mut l = vec![link("feed", "supply", "a0", feed.clone())];
    for i in 0..n {
        l.push(link(
            &format!("plate{i}"),
            &format!("a{i}"),
            &format!("b{i}"),
            field(i),
        ));
        if i + 1 < n {
            l.push(link(
                &format!("sh{i}"),
                &format!("a{i}"),
                &format!("a{}", i + 1),
                segment.clone(),
            ));
            let (from, to) = match kind {
                Ladder::Z => (format!("b{i}"), format!("b{}", i + 1)),
                Ladder::U => (format!("b{}", i + 1), format!("b{i}")),
            };
            l.push(link(&format!("rh{i}"), &from, &to, segment.clone()));
        }
    }
    let out = match kind {
        Ladder::Z => format!("b{}", n - 1),
        Ladder::U => "b0".to_string(),
    };
    l.push(link("drain", &out, "return", feed));
    l
}

fn plate_flows(
    net: &Network,
    sol: &coldtray_solver::hydraulics::NetworkSolution,
    n: usize,
) -> Vec<f64> {
    (0..n)
        .map(|i| sol.link_flow_m3s[net.link(&format!("plate{i}")).unwrap()])
        .collect()
}

fn spread(q: &[f64]) -> f64 {
    let max = q.iter().cloned().fold(f64::MIN, f64::max);
    let min = q.iter().cloned().fold(f64::MAX, f64::min);
    (max - min) / (q.iter().sum::<f64>() / q.len() as f64)
}

#[test]
fn u_type_favours_the_port_end_and_z_type_is_symmetric_and_more_even() {
    // Five identical plates (Δp = RQ + KQ²) on 6 mm headers, 40 mm between plates, at
    // 10 L/min: the headers are turbulent (Re ≈ 3.5·10⁴ at the inlet) and their drop is a
    // good fraction of a plate's, so the maldistribution is clear (measured: U spread
    // (max − min)/mean ≈ 1.0, Z ≈ 0.42).
    let n = 5;
    let segment = LinkKind::Pipe(Pipe::new(40.0, 6.0, 1.5));
    let fields = Fields {
        r: vec![1.0e8; n],
        k: vec![5.0e11; n],
    };
    let q = 10.0 * LPM;
    let mut spreads = vec![];
    for kind in [Ladder::U, Ladder::Z] {
        let net = Network::new(
            ladder(n, kind, segment.clone()),
            names(n),
            Drive::Flow { total_m3s: q },
        )
        .unwrap();
        let sol = net.solve(&WATER, &fields).unwrap();
        certify(&net, &sol);
        let flows = plate_flows(&net, &sol, n);
        assert!(rel(flows.iter().sum(), q) < 1e-12);
        match kind {
            Ladder::U => {
                for i in 1..n {
                    assert!(flows[i] < flows[i - 1], "U: q{i} < q{} in {flows:?}", i - 1);
                }
            }
            Ladder::Z => {
                for i in 0..n {
                    // Symmetric to Newton's tolerance (1e-10 of the drop, carried to flows).
                    assert!(
                        rel(flows[i], flows[n - 1 - i]) < 1e-8,
                        "Z symmetric: {flows:?}"
                    );
                }
                for i in 1..=n / 2 {
                    assert!(
                        flows[i] < flows[i - 1],
                        "Z: ends above the middle, {flows:?}"
                    );
                }
            }
        }
        spreads.push(spread(&flows));
    }
    assert!(
        spreads[1] < 0.5 * spreads[0],
        "Z spread {} vs U spread {}",
        spreads[1],
        spreads[0]
    );
    assert!(
        spreads[0] > 0.05,
        "the U ladder is visibly maldistributed: {}",
        spreads[0]
    );
}

#[test]
fn a_choked_return_header_makes_a_plate_run_backwards() {
    // Z ladder of three plates whose return header is choked between plates 1 and 2 by a
    // 1 mm orifice. The coolant that plate 0 passes to b₀ → b₁ can hardly go on to b₂, so
    // it returns to the supply header through plate 1 (b₁ → a₁): plates 0 and 1 become a
    // detour around the supply-header segment a₀ → a₁, driven by that segment's drop, and
    // plate 1 runs backwards. The solver must settle this: drop and flow both negative, and
    // every defining equation satisfied.
    let n = 3;
    let segment = LinkKind::Pipe(Pipe::new(40.0, 5.0, 1.5));
    let mut links = ladder(n, Ladder::Z, segment);
    let choke = links.iter().position(|l| l.name == "rh1").unwrap();
    links[choke].kind = LinkKind::Quadratic(Quadratic::orifice(1.0, 0.6, Some(5.0)));
    let net = Network::new(
        links,
        names(n),
        Drive::Flow {
            total_m3s: 6.0 * LPM,
        },
    )
    .unwrap();
    let fields = Fields::linear(&[2.0e7; 3]);
    let sol = net.solve(&WATER, &fields).unwrap();
    certify(&net, &sol);
    let flows = plate_flows(&net, &sol, n);
    let p1 = net.link("plate1").unwrap();
    assert!(flows[1] < -0.01 * 6.0 * LPM, "plate 1 reversed: {flows:?}");
    assert!(sol.link_dp_pa[p1] < 0.0);
    // The linear plate law holds backwards too: Δp = R·Q with both negative.
    assert!(rel(sol.link_dp_pa[p1], 2.0e7 * flows[1]) < 1e-12);
    assert!(flows[0] > 0.0 && flows[2] > 0.0);
    assert!(sol.iterations < 40, "{} iterations", sol.iterations);
}
