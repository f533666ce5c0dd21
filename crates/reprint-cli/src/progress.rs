//! The progress line on standard error: documents and MB read, then each later phase.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use reprint_engine::Observer;
use reprint_io::ReadError;
use std::sync::atomic::{AtomicU64, Ordering};

/// Shows progress and warnings of a run; quiet when asked, or when standard error is not a
/// terminal (indicatif draws only on terminals).
pub struct Progress {
    bar: ProgressBar,
    quiet: bool,
    warned: AtomicU64,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        let bar = if quiet {
            ProgressBar::hidden()
        } else {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {human_pos} documents, {msg} ({elapsed})")
                    .expect("template"),
            );
            bar.set_message("0.0 MB read");
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        };
        Progress {
            bar,
            quiet,
            warned: AtomicU64::new(0),
        }
    }

    /// Names the phase that starts.
    pub fn phase_msg(&self, msg: &str) {
        self.bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("template"),
        );
        self.bar.set_message(msg.to_string());
    }

    /// Clears the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Observer for Progress {
    fn progress(&self, docs: u64, bytes: u64) {
        self.bar.set_position(docs);
        let mb = bytes as f64 / 1e6;
        let secs = self.bar.elapsed().as_secs_f64().max(1e-3);
        self.bar
            .set_message(format!("{mb:.1} MB read, {:.0} MB/s", mb / secs));
    }

    fn phase(&self, name: &str) {
        self.phase_msg(name);
    }

    fn skipped(&self, e: &ReadError) {
        if self.quiet {
            return;
        }
        let n = self.warned.fetch_add(1, Ordering::Relaxed);
        if n < 20 {
            self.bar
                .suspend(|| eprintln!("reprint: warning: skipped {e}"));
        } else if n == 20 {
            self.bar.suspend(|| {
                eprintln!("reprint: warning: more bad records skipped; the summary counts them")
            });
        }
    }
}
