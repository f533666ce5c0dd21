//! Looking at a report the way a person would: headless Chromium loads the file, runs its
//! script, and hands back the resulting DOM and, if asked, a screenshot.
//!
//! Meant for tests (this crate's and the CLI's). Chromium runs with a fresh profile, no
//! sandbox (tests often run as root) and every background network feature off.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one Chromium run may take before it is killed.
const TIMEOUT: Duration = Duration::from_secs(120);
/// Window size of screenshots, in CSS pixels.
pub const SCREENSHOT_SIZE: (u32, u32) = (1280, 2000);

/// The Chromium binary to use: `/usr/bin/chromium` or the first of `chromium`,
/// `chromium-browser`, `google-chrome` on `PATH`; `None` if there is none.
pub fn find_chromium() -> Option<PathBuf> {
    let fixed = Path::new("/usr/bin/chromium");
    if fixed.is_file() {
        return Some(fixed.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// Loads `html_path` in headless Chromium, lets its script run, and returns the DOM as
/// HTML. With `screenshot`, also saves a PNG of a [`SCREENSHOT_SIZE`] window there.
///
/// Fails with [`io::ErrorKind::NotFound`] if no Chromium is installed (see
/// [`find_chromium`]), and with the browser's own output if it fails or takes longer than
/// two minutes.
pub fn chromium_dump_dom(html_path: &Path, screenshot: Option<&Path>) -> io::Result<String> {
    chromium_dump_url(&file_url(&std::fs::canonicalize(html_path)?), screenshot)
}

/// Like [`chromium_dump_dom`] for any URL, e.g. a report file with a fragment such as
/// `#doc=004` or `#q=word` (see [`file_url`]), or a page served on the loopback address.
pub fn chromium_dump_url(url: &str, screenshot: Option<&Path>) -> io::Result<String> {
    let chromium = find_chromium().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            "chromium not found: install it, e.g. `apt-get install chromium`",
        )
    })?;
    let dom = run(&chromium, &["--dump-dom".to_string(), url.to_string()])?;
    if let Some(png) = screenshot {
        let png = absolute(png)?;
        let (w, h) = SCREENSHOT_SIZE;
        run(
            &chromium,
            &[
                format!("--screenshot={}", png.display()),
                format!("--window-size={w},{h}"),
                "--hide-scrollbars".to_string(),
                url.to_string(),
            ],
        )?;
        if !png.is_file() {
            return Err(io::Error::other(format!(
                "chromium did not write the screenshot {}",
                png.display()
            )));
        }
    }
    Ok(String::from_utf8_lossy(&dom).into_owned())
}

/// Runs Chromium headless with `args` after the common flags; returns its stdout.
fn run(chromium: &Path, args: &[String]) -> io::Result<Vec<u8>> {
    let tmp = tempfile::tempdir()?;
    let profile = tmp.path().join("profile");
    let out_path = tmp.path().join("stdout");
    let err_path = tmp.path().join("stderr");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--virtual-time-budget=5000",
            "--run-all-compositor-stages-before-draw",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .stdin(Stdio::null())
        // Files, not pipes: a large DOM would fill a pipe nobody reads while we wait.
        .stdout(File::create(&out_path)?)
        .stderr(File::create(&err_path)?)
        .current_dir(tmp.path())
        .spawn()?;
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("chromium took longer than {}s", TIMEOUT.as_secs()),
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    if !status.success() {
        let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
        return Err(io::Error::other(format!(
            "chromium failed ({status}): {}",
            stderr.trim()
        )));
    }
    std::fs::read(&out_path)
}

fn absolute(p: &Path) -> io::Result<PathBuf> {
    if p.is_absolute() {
        Ok(p.to_path_buf())
    } else {
        Ok(std::env::current_dir()?.join(p))
    }
}

/// A `file://` URL for an absolute path, percent-encoding everything but unreserved bytes
/// and `/`.
pub fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for &b in path.to_string_lossy().as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_are_percent_encoded() {
        assert_eq!(
            file_url(Path::new("/tmp/a b/r#1é.html")),
            "file:///tmp/a%20b/r%231%C3%A9.html"
        );
    }
}
