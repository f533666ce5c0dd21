//! Turning a [`ReportData`] into one HTML document: the embedded JSON payload, the escaping
//! that keeps it inert inside `<script>`, and the template fill.

use std::collections::HashMap;

use serde::Serialize;

use crate::assets;
use crate::model::ReportData;

/// What the page's script reads: the data as given, plus UTF-16 offsets for every byte span,
/// because JS strings index UTF-16 code units, not UTF-8 bytes.
#[derive(Serialize)]
struct Payload<'a> {
    data: &'a ReportData,
    /// `[a_start, a_end, b_start, b_end]` per alignment, in UTF-16 units.
    align16: Vec<[u32; 4]>,
    /// Per passage, `[start0, end0, start1, end1, ...]` per occurrence, in UTF-16 units.
    occ16: Vec<Vec<u32>>,
}

/// The JSON the report page reads, already safe to place inside a `<script>` element.
///
/// It holds `data` unchanged plus `align16` and `occ16`, the alignment and passage spans
/// converted from byte offsets to UTF-16 offsets (clipped to the text given). A server that
/// shows the same views can send this as is.
pub fn payload_json(data: &ReportData) -> String {
    let texts: HashMap<&str, &str> = data
        .documents
        .iter()
        .map(|d| (d.id.as_str(), d.text.as_str()))
        .collect();
    let to16 = |doc: &str, byte: u32| texts.get(doc).map_or(0, |t| byte_to_utf16(t, byte));
    let align16 = data
        .alignments
        .iter()
        .map(|al| {
            [
                to16(&al.a, al.a_start),
                to16(&al.a, al.a_end),
                to16(&al.b, al.b_start),
                to16(&al.b, al.b_end),
            ]
        })
        .collect();
    let occ16 = data
        .passages
        .iter()
        .map(|p| {
            p.occurrences
                .iter()
                .flat_map(|(doc, s, e)| [to16(doc, *s), to16(doc, *e)])
                .collect()
        })
        .collect();
    let payload = Payload {
        data,
        align16,
        occ16,
    };
    // Strings, numbers, bools and string-keyed structs only: serialization cannot fail.
    let json = serde_json::to_string(&payload).expect("report data serializes to JSON");
    script_safe_json(&json)
}

/// Converts a byte offset into `text` to the UTF-16 offset a JS string uses.
///
/// An offset past the end is clipped to the end; one inside a character is moved back to
/// that character's start, so a bad span never breaks the page.
pub(crate) fn byte_to_utf16(text: &str, byte: u32) -> u32 {
    let mut b = (byte as usize).min(text.len());
    while !text.is_char_boundary(b) {
        b -= 1;
    }
    let head = &text[..b];
    let units = if head.is_ascii() {
        head.len()
    } else {
        head.encode_utf16().count()
    };
    units as u32
}

/// Makes JSON inert inside `<script>`: no `</script>`, `<!--` or `]]>` can appear.
///
/// `<`, `>` and `&` only occur inside JSON strings, where `\u003c`-style escapes mean the
/// same characters, so the result parses to the same value. U+2028/U+2029 are escaped too,
/// so the text stays valid even if someone pastes it into a JS literal.
pub(crate) fn script_safe_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for an HTML element body or a quoted attribute.
pub(crate) fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Fills `{{name}}` placeholders of `template` in one pass, so text substituted for one
/// placeholder is never scanned for another. Unknown names are left as they are.
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let extra: usize = values.iter().map(|(_, v)| v.len()).sum();
    let mut out = String::with_capacity(template.len() + extra);
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let value = after.find("}}").and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v, close))
        });
        match value {
            Some((v, close)) => {
                out.push_str(v);
                rest = &after[close + 2..];
            }
            None => {
                out.push_str("{{");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Renders the whole report: one HTML document with its style, script and data inlined.
pub fn render(data: &ReportData) -> String {
    render_page(data, false)
}

/// The report as a server's live page: the same views and data, plus a script that asks
/// the server (`/healthz`, `/v1/search`) for new documents and for searches over the
/// whole store. Its Content-Security-Policy allows requests to its own origin only.
pub fn render_live(data: &ReportData) -> String {
    render_page(data, true)
}

fn render_page(data: &ReportData, live: bool) -> String {
    let title = if data.title.is_empty() {
        "reprint report"
    } else {
        &data.title
    };
    let title = escape_html(title);
    let json = payload_json(data);
    debug_assert!(!assets::REPORT_JS.contains("</script"));
    debug_assert!(!assets::REPORT_CSS.contains("</style"));
    debug_assert!(!assets::LIVE_JS.contains("</script"));
    let live_js = format!("<script>\n{}</script>", assets::LIVE_JS);
    let (connect, live) = if live {
        ("; connect-src 'self'", live_js.as_str())
    } else {
        ("", "")
    };
    fill(
        assets::REPORT_HTML,
        &[
            ("title", &title),
            ("css", assets::REPORT_CSS),
            ("js", assets::REPORT_JS),
            ("data", &json),
            ("connect", connect),
            ("live", live),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AlignmentView, DocView, PassageView};

    #[test]
    fn byte_offsets_become_utf16_offsets() {
        // "é" is 2 bytes / 1 unit, "—" 3 bytes / 1 unit, "𝄞" 4 bytes / 2 units.
        let t = "aé—𝄞b";
        assert_eq!(byte_to_utf16(t, 0), 0);
        assert_eq!(byte_to_utf16(t, 1), 1);
        assert_eq!(byte_to_utf16(t, 3), 2);
        assert_eq!(byte_to_utf16(t, 6), 3);
        assert_eq!(byte_to_utf16(t, 10), 5);
        assert_eq!(byte_to_utf16(t, 11), 6);
        // Inside a character: back to its start. Past the end: clipped.
        assert_eq!(byte_to_utf16(t, 2), 1);
        assert_eq!(byte_to_utf16(t, 8), 3);
        assert_eq!(byte_to_utf16(t, 999), 6);
        assert_eq!(byte_to_utf16("", 5), 0);
    }

    #[test]
    fn script_safe_json_neutralises_closing_tags_and_round_trips() {
        let nasty = "</script><script>alert(1)</script><!-- ]]> & \u{2028}";
        let json = serde_json::to_string(nasty).unwrap();
        let safe = script_safe_json(&json);
        for bad in ["</", "<!--", "<", ">", "&", "\u{2028}"] {
            assert!(!safe.contains(bad), "{bad:?} left in {safe}");
        }
        let back: String = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, nasty);
    }

    #[test]
    fn html_escape_covers_markup_and_quotes() {
        assert_eq!(
            escape_html(r#"<b a="1" c='2'>&</b>"#),
            "&lt;b a=&quot;1&quot; c=&#39;2&#39;&gt;&amp;&lt;/b&gt;"
        );
    }

    #[test]
    fn fill_is_single_pass() {
        let out = fill(
            "<{{a}}|{{b}}|{{c}}|{{",
            &[("a", "{{b}}"), ("b", "B"), ("c", "")],
        );
        assert_eq!(out, "<{{b}}|B||{{");
    }

    #[test]
    fn payload_converts_alignment_and_occurrence_spans() {
        let a = "Ünïcode — then the shared part.";
        let start = a.find("the shared").unwrap() as u32;
        let data = ReportData {
            documents: vec![
                DocView {
                    id: "a".into(),
                    text: a.into(),
                    ..Default::default()
                },
                DocView {
                    id: "b".into(),
                    text: "the shared part.".into(),
                    ..Default::default()
                },
            ],
            alignments: vec![AlignmentView {
                a: "a".into(),
                a_start: start,
                a_end: a.len() as u32,
                b: "b".into(),
                b_start: 0,
                b_end: 16,
                identity: 1.0,
                passage: 0,
            }],
            passages: vec![PassageView {
                occurrences: vec![("a".into(), start, a.len() as u32), ("zz".into(), 1, 2)],
                ..Default::default()
            }],
            ..Default::default()
        };
        let v: serde_json::Value = serde_json::from_str(&payload_json(&data)).unwrap();
        let chars = a.chars().count() as u64; // no astral characters: UTF-16 units = chars
        let s16 = a[..start as usize].chars().count() as u64;
        assert_eq!(v["align16"][0], serde_json::json!([s16, chars, 0, 16]));
        // An unknown document maps to 0..0 rather than failing.
        assert_eq!(v["occ16"][0], serde_json::json!([s16, chars, 0, 0]));
        assert_eq!(v["data"]["documents"][0]["text"], a);
    }

    #[test]
    fn render_embeds_data_once_and_escapes_title_and_text() {
        let data = ReportData {
            title: "<i>news</i>".into(),
            documents: vec![DocView {
                id: "x</script>".into(),
                text: "hello <!-- world".into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let html = render(&data);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<title>&lt;i&gt;news&lt;/i&gt;</title>"));
        assert_eq!(
            html.matches("</script>").count(),
            2,
            "only our two script tags close"
        );
        assert!(!html.contains("<!-- world"));
        assert!(html.contains(r"hello \u003c!-- world"));
        assert!(!html.contains("{{"), "every placeholder filled");
        // Nothing is loaded from elsewhere.
        for remote in ["http://", "https://", "src=", "<link"] {
            assert!(!html.contains(remote), "{remote} in report");
        }
    }
}
