//! `coldtray report` on a real result directory, rendered by a real browser: headless
//! Chromium loads report.html from disk and the test reads what it rendered (the DOM after
//! parsing, and a screenshot), not the file coldtray wrote.

use crate::{coldtray_exe, external_tool, repo, scratch, stderr};
use base64::Engine as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Chromium starts in about a second on an idle machine; this allows for a loaded one.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(180);

/// Runs headless Chromium on `page` with `extra` flags and a fresh profile; returns its
/// stdout. Killed (and the test failed) after [`BROWSER_TIMEOUT`].
fn chromium(exe: &Path, work: &Path, extra: &[String], page: &Path) -> String {
    let profile = work.join(format!("profile-{}", extra.len()));
    let _ = std::fs::remove_dir_all(&profile);
    let out_path = work.join("chromium.stdout");
    let err_path = work.join("chromium.stderr");
    let mut child = Command::new(exe)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        // Files, not pipes: a chatty browser can never block on a full pipe.
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish in {BROWSER_TIMEOUT:?}: {}",
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        status.success(),
        "chromium failed ({status}): {}",
        std::fs::read_to_string(&err_path).unwrap_or_default()
    );
    std::fs::read_to_string(&out_path).unwrap()
}

/// A solved result directory (the 1800 W package on a coarse 2 mm grid: a fraction of a
/// second) with its report written.
fn simulated_with_report(work: &Path) -> PathBuf {
    let dir = work.join("result");
    let o = Command::new(coldtray_exe())
        .arg("simulate")
        .arg(repo("examples/rubin-1800w.toml"))
        .args(["--cell-mm", "2.0", "--set", "coolant.flow_lpm=2.5", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let o = Command::new(coldtray_exe())
        .arg("report")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("report.html"));
    dir
}

/// Every `src="…"` value of an `<img>` in `dom`.
fn img_sources(dom: &str) -> Vec<&str> {
    dom.split("<img")
        .skip(1)
        .map(|tag| {
            let tag = &tag[..tag.find('>').unwrap()];
            let src = &tag[tag.find("src=\"").expect("img without src") + 5..];
            &src[..src.find('"').unwrap()]
        })
        .collect()
}

/// The text of the element with `id` in `dom` (its first text run).
fn text_of<'a>(dom: &'a str, id: &str) -> &'a str {
    let at = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in the page"));
    let rest = &dom[at..];
    let rest = &rest[rest.find('>').unwrap() + 1..];
    &rest[..rest.find('<').unwrap()]
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

#[test]
fn report_renders_in_chromium_with_every_map_embedded() {
    let Some(exe) = external_tool(&["chromium", "chromium-browser"]) else {
        return;
    };
    let work = scratch("report", "chromium");
    let dir = simulated_with_report(&work);
    let page = dir.join("report.html");
    let results: coldtray_solver::Results =
        serde_json::from_slice(&std::fs::read(dir.join("results.json")).unwrap()).unwrap();

    let html = std::fs::read_to_string(&page).unwrap();
    let dom = chromium(&exe, &work, &["--dump-dom".to_string()], &page);
    for text in [&html, &dom] {
        assert!(
            !text.contains("http://") && !text.contains("https://"),
            "the page must not point outside itself"
        );
        assert!(!text.contains("<script"), "the page needs no script");
    }

    // The browser parsed the page: its title names the design.
    let title = &dom[dom.find("<title>").unwrap() + 7..dom.find("</title>").unwrap()];
    assert!(title.contains(&results.design), "title {title:?}");

    // The summary shows the hottest die as results.json has it (the page's one decimal).
    let die = results.hottest_die().unwrap();
    assert_eq!(
        text_of(&dom, "hottest-die-max"),
        format!("{:.1}", die.max_c)
    );
    let hbm = results.hottest_hbm().unwrap();
    assert_eq!(
        text_of(&dom, "hottest-hbm-max"),
        format!("{:.1}", hbm.max_c)
    );

    // Every PNG of the directory is in the page, as a data: URI that decodes to that image.
    let mut pngs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .collect();
    pngs.sort();
    let sources = img_sources(&dom);
    assert_eq!(sources.len(), pngs.len(), "one <img> per PNG in {dir:?}");
    let mut embedded: Vec<Vec<u8>> = sources
        .iter()
        .map(|src| {
            let b64 = src
                .strip_prefix("data:image/png;base64,")
                .unwrap_or_else(|| panic!("img src is not a PNG data: URI: {:.60}", src));
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap();
            let decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
            let mut reader = decoder.read_info().expect("embedded image decodes as PNG");
            let mut buf = vec![0; reader.output_buffer_size()];
            reader
                .next_frame(&mut buf)
                .expect("embedded PNG has a frame");
            bytes
        })
        .collect();
    let mut on_disk: Vec<Vec<u8>> = pngs.iter().map(|p| std::fs::read(p).unwrap()).collect();
    embedded.sort();
    on_disk.sort();
    assert!(embedded == on_disk, "the embedded images are the PNG files");

    // A screenshot at a given window size: the page lays out and paints.
    let shot = work.join("report.png");
    chromium(
        &exe,
        &work,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000".to_string(),
            "--hide-scrollbars".to_string(),
        ],
        &page,
    );
    let bytes = std::fs::read(&shot).expect("chromium wrote the screenshot");
    assert_eq!(png_size(&bytes), (1280, 2000));
}

#[test]
fn report_of_a_directory_without_results_is_one_line_exit_2() {
    let work = scratch("report", "no-results");
    let o = Command::new(coldtray_exe())
        .arg("report")
        .arg(&work)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains(&work.join("results.json").display().to_string()),
        "{err}"
    );
    assert!(!work.join("report.html").exists());
}
