//! The page's template, style and script, compiled in so a report needs no other file.
//!
//! A server can serve the same views: send [`REPORT_HTML`] filled the way
//! [`render`](crate::render) fills it, or the three parts on their own with the JSON from
//! [`payload_json`](crate::payload_json).

/// The HTML template, with `{{title}}`, `{{css}}`, `{{js}}` and `{{data}}` placeholders.
pub const REPORT_HTML: &str = include_str!("../assets/report.html");
/// The report's style sheet.
pub const REPORT_CSS: &str = include_str!("../assets/report.css");
/// The report's script: reads the JSON in `<script id="report-data">` and draws every view.
pub const REPORT_JS: &str = include_str!("../assets/report.js");
/// The live page's script (served pages only): polls the server for new documents and
/// searches the whole store.
pub const LIVE_JS: &str = include_str!("../assets/live.js");
