//! The progress line on standard error: documents and MB read, then each later phase.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use reprint_engine::Observer;
use reprint_io::{InputProgress, ReadError};
use std::sync::atomic::{AtomicU64, Ordering};

/// Shows progress and warnings of a run; quiet when asked, or when standard error is not a
/// terminal (indicatif draws only on terminals).
pub struct Progress {
    bar: ProgressBar,
    quiet: bool,
    warned: AtomicU64,
    /// Bytes of the input files read, when their total size is known: the bar then shows
    /// percent and time left.
    input: std::sync::OnceLock<InputProgress>,
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
            input: std::sync::OnceLock::new(),
        }
    }

    /// Follows how much of the input files has been read: with their total size known,
    /// the reading phase shows a bar with percent and time left instead of a spinner.
    pub fn follow(&self, input: InputProgress) {
        if let Some(total) = input.total {
            self.bar.set_style(
                ProgressStyle::with_template(
                    "{wide_bar} {percent:>3}% {msg} ({elapsed}, about {eta} left)",
                )
                .expect("template")
                .progress_chars("=> "),
            );
            self.bar.set_length(total);
            self.bar.set_position(0);
            self.bar.set_message("0 documents");
            let _ = self.input.set(input);
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
        let mb = bytes as f64 / 1e6;
        let secs = self.bar.elapsed().as_secs_f64().max(1e-3);
        if let Some(input) = self.input.get() {
            self.bar.set_position(input.consumed());
            self.bar.set_message(format!(
                "{} documents, {mb:.1} MB of text, {:.0} MB/s",
                group_digits(docs),
                mb / secs
            ));
        } else {
            self.bar.set_position(docs);
            self.bar
                .set_message(format!("{mb:.1} MB read, {:.0} MB/s", mb / secs));
        }
    }

    fn phase(&self, name: &str) {
        self.phase_msg(name);
    }

    fn note(&self, message: &str) {
        if !self.quiet {
            self.bar.suspend(|| eprintln!("reprint: note: {message}"));
        }
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

/// 1234567 → "1,234,567", as indicatif's `human_pos` shows counts: every count the CLI
/// prints on standard error is written this way.
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn digits_are_grouped_by_thousands() {
        assert_eq!(super::group_digits(0), "0");
        assert_eq!(super::group_digits(999), "999");
        assert_eq!(super::group_digits(1000), "1,000");
        assert_eq!(super::group_digits(1234567), "1,234,567");
    }
}
