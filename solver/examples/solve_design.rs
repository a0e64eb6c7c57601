//! Load a shipped design, coarsen it, solve it and print the hottest block.
//!
//! `cargo run --release -p coldtray-solver --example solve_design [design.toml] [cell_mm]`
//! (default: `examples/rubin-2300w.toml` at 2 mm).

use std::path::PathBuf;

use coldtray_solver::{Design, Progress, SolveOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/rubin-2300w.toml")
    });
    let cell_mm: f64 = args.next().map_or(Ok(2.0), |a| a.parse())?;

    let design = Design::load(&path)?.with_cell_mm(cell_mm)?;
    let opts = SolveOptions {
        progress: Some(Box::new(|event| match event {
            Progress::Cycle { cycles, residual } => {
                eprintln!("cycle {cycles}: relative residual {residual:.1e}")
            }
            Progress::Step {
                step,
                steps,
                time_s,
            } => {
                eprintln!("step {step}/{steps}: t = {time_s} s")
            }
        })),
        ..Default::default()
    };
    let solution = design.solve(&opts)?;
    let r = &solution.results;
    println!(
        "{}: {:.0} W on {cell_mm} mm cells",
        r.design, r.total_power_w
    );
    match r.blocks.iter().max_by(|a, b| a.max_c.total_cmp(&b.max_c)) {
        Some(b) => println!(
            "hottest block {} (layer {}): {:.1} °C max, {:.1} °C mean",
            b.name, b.layer, b.max_c, b.mean_c
        ),
        None => println!("no blocks"),
    }
    if let Some(e) = r.energy_balance_error {
        println!("energy balance error {e:.1e}");
    }
    Ok(())
}
