//! A page rendered by headless Chromium (Debian's `chromium`, which `make tools` installs when
//! it can): the DOM after loading, and a screenshot checked to be a drawn page.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The `chromium` binary (`CHROMIUM`, else on `PATH`). Under `CI` a missing one fails the test;
/// elsewhere the test is skipped with a note.
pub fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("chromium"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!(
                "chromium is not installed (run `make tools` as root, or apt-get install chromium)"
            );
        }
        eprintln!(
            "skipping: chromium not installed (run `make tools` as root, or apt-get install chromium)"
        );
    }
    found
}

/// Runs Chromium headless on `page` with `extra` arguments and a fresh profile; its standard
/// output. Fails the test when it does not finish within a minute or fails.
fn run(bin: &Path, page: &Path, extra: &[String]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out_file = profile.path().join("stdout");
    let err_file = profile.path().join("stderr");
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!(
            "--user-data-dir={}",
            profile.path().join("profile").display()
        ))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out_file).unwrap())
        .stderr(fs::File::create(&err_file).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish within a minute:\n{}",
                fs::read_to_string(&err_file).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        status.success(),
        "chromium failed ({status}):\n{}",
        fs::read_to_string(&err_file).unwrap_or_default()
    );
    fs::read_to_string(&out_file).unwrap()
}

/// The DOM of `page` after Chromium loaded it.
pub fn dump_dom(bin: &Path, page: &Path) -> String {
    run(bin, page, &["--dump-dom".to_string()])
}

/// A screenshot of `page` at `width`×`height` CSS pixels into `png`.
pub fn screenshot(bin: &Path, page: &Path, png: &Path, width: u32, height: u32) {
    let _ = fs::remove_file(png);
    run(
        bin,
        page,
        &[
            format!("--screenshot={}", png.display()),
            format!("--window-size={width},{height}"),
        ],
    );
    assert!(png.is_file(), "chromium wrote no {}", png.display());
}

/// What a PNG shows: its size and how varied its pixels are.
#[derive(Debug)]
pub struct Picture {
    pub width: u32,
    pub height: u32,
    /// Distinct colours (RGB), up to 4096 counted.
    pub colours: usize,
    /// The share of pixels that are not the most common colour (the background).
    pub drawn: f64,
}

pub fn picture(png: &Path) -> Picture {
    let decoder = png::Decoder::new(std::io::BufReader::new(fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    assert!(
        info.bit_depth == png::BitDepth::Eight,
        "{:?}",
        info.bit_depth
    );
    let mut counts: std::collections::HashMap<[u8; 3], usize> = std::collections::HashMap::new();
    let bytes = &buf[..info.buffer_size()];
    for px in bytes.chunks(channels) {
        let rgb = match channels {
            1 | 2 => [px[0], px[0], px[0]],
            _ => [px[0], px[1], px[2]],
        };
        if counts.len() < 4096 || counts.contains_key(&rgb) {
            *counts.entry(rgb).or_default() += 1;
        }
    }
    let total = (info.width as usize * info.height as usize).max(1);
    let background = counts.values().copied().max().unwrap_or(0);
    Picture {
        width: info.width,
        height: info.height,
        colours: counts.len(),
        drawn: 1.0 - background as f64 / total as f64,
    }
}
