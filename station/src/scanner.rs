//! The barcode-scanner loop: a USB scanner is a keyboard that types the code and Enter, so the
//! station reads standard input line by line. A line that is an operator id of the station
//! (the operator's badge) selects the operator; `stop` stops the running test; any other line
//! is `SERIAL [reason…]` and starts a test (the reason is needed for a retest after a FAIL).
//! With a single operator configured, no badge scan is needed. Every line gets one answer on
//! standard output.

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

use crate::service::{StartRequest, Station};

/// Reads lines from `input` until it ends (the service goes on: the web page still works).
pub async fn run<R: AsyncRead + Unpin>(station: Station, input: R) {
    let mut lines = BufReader::new(input).lines();
    let operators = station.config().operators.clone();
    let mut operator = if operators.len() == 1 {
        Some(operators[0].clone())
    } else {
        None
    };
    while let Ok(Some(line)) = lines.next_line().await {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if operators.iter().any(|o| o == line) {
            operator = Some(line.to_string());
            println!("operator {line}");
            continue;
        }
        if line.eq_ignore_ascii_case("stop") {
            match station.stop_test().await {
                Ok(serial) => println!("stopping {serial}"),
                Err(e) => println!("refused: {e}"),
            }
            continue;
        }
        let (serial, reason) = match line.split_once(char::is_whitespace) {
            Some((s, r)) => (s, Some(r.trim().to_string())),
            None => (line, None),
        };
        let Some(op) = &operator else {
            println!("refused {serial}: operator: scan your operator badge first");
            continue;
        };
        let request = StartRequest {
            serial: serial.to_string(),
            operator: op.clone(),
            reason,
        };
        match station.start_test(request).await {
            Ok(a) => println!(
                "started {} (recipe \"{}\", operator {})",
                a.serial, a.recipe, a.operator
            ),
            Err(e) => println!("refused {serial}: {e}"),
        }
    }
}
