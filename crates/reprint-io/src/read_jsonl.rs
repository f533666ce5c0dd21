//! JSON Lines: one object per line.

use crate::error::{utf8_reason, ReadError};
use crate::reader::{value_to_id, InputConfig, Location, Raw, Record};
use serde_json::{Map, Value};
use std::io::{BufRead, Read};
use std::sync::Arc;

pub(crate) struct JsonlReader<R> {
    reader: R,
    name: Arc<str>,
    stem: String,
    cfg: Arc<InputConfig>,
    line: u64,
    buf: Vec<u8>,
    done: bool,
    /// The file, when it can be read again at an offset; records then carry their origin.
    seekable: Option<Arc<std::path::Path>>,
    /// Byte offset of the next line, and of the current one.
    offset: u64,
    line_start: u64,
}

impl<R: BufRead> JsonlReader<R> {
    pub(crate) fn new(
        reader: R,
        name: Arc<str>,
        cfg: Arc<InputConfig>,
        seekable: Option<Arc<std::path::Path>>,
    ) -> Self {
        let stem = crate::reader::file_stem(&name);
        JsonlReader {
            reader,
            name,
            stem,
            cfg,
            line: 0,
            buf: Vec::new(),
            done: false,
            seekable,
            offset: 0,
            line_start: 0,
        }
    }

    /// Reads one line into `buf`, at most the record limit; returns false at the end.
    fn read_line(&mut self) -> Result<bool, ReadError> {
        self.buf.clear();
        let limit = self.cfg.max_record_bytes as u64 + 1;
        let n = (&mut self.reader)
            .take(limit)
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| ReadError::io(&*self.name, e))?;
        if n == 0 {
            return Ok(false);
        }
        self.line_start = self.offset;
        self.offset += n as u64;
        self.line += 1;
        if self.buf.len() as u64 >= limit && self.buf.last() != Some(&b'\n') {
            // Skip the rest of the oversized line so the next record starts clean.
            loop {
                let chunk = self
                    .reader
                    .fill_buf()
                    .map_err(|e| ReadError::io(&*self.name, e))?;
                if chunk.is_empty() {
                    break;
                }
                match chunk.iter().position(|&b| b == b'\n') {
                    Some(i) => {
                        self.reader.consume(i + 1);
                        self.offset += i as u64 + 1;
                        break;
                    }
                    None => {
                        let len = chunk.len();
                        self.reader.consume(len);
                        self.offset += len as u64;
                    }
                }
            }
            return Err(ReadError::record(
                &self.name,
                self.line,
                format!(
                    "record is larger than the limit of {} bytes",
                    self.cfg.max_record_bytes
                ),
            ));
        }
        Ok(true)
    }

    fn parse(&self) -> Result<Option<Record>, ReadError> {
        let mut bytes: &[u8] = &self.buf;
        while let Some((&last, rest)) = bytes.split_last() {
            if last == b'\n' || last == b'\r' {
                bytes = rest;
            } else {
                break;
            }
        }
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(None);
        }
        let line = match std::str::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => {
                let (_, reason) = utf8_reason(bytes, e);
                return Err(ReadError::record(&self.name, self.line, reason));
            }
        };
        let origin = self.seekable.as_ref().map(|path| crate::Origin {
            path: path.clone(),
            kind: crate::OriginKind::JsonlLine,
            offset: self.line_start,
            len: bytes.len() as u64,
        });
        if self.cfg.defer_json {
            // The caller parses later, on its worker threads (`Record::finish`).
            return Ok(Some(Record {
                id: String::new(),
                text: line.to_string(),
                meta: Map::new(),
                loc: Location {
                    file: self.name.clone(),
                    line: self.line,
                },
                raw: Some(Raw::Deferred(self.stem.as_str().into())),
                origin,
            }));
        }
        let mut r = parse_line(line, &self.name, self.line, &self.stem, &self.cfg)?;
        r.origin = origin;
        Ok(Some(r))
    }
}

/// Parses one JSONL line into a record.
pub(crate) fn parse_line(
    line: &str,
    name: &Arc<str>,
    line_no: u64,
    stem: &str,
    cfg: &InputConfig,
) -> Result<Record, ReadError> {
    // A byte order mark before the first line is not part of the JSON.
    let line = if line_no == 1 {
        line.strip_prefix('\u{feff}').unwrap_or(line)
    } else {
        line
    };
    if line.trim_start().starts_with('[') {
        return Err(ReadError::record(
            name,
            line_no,
            "this line is a JSON array; JSON Lines (one object per line) is expected — \
             a file holding one JSON array can be converted with `jq -c '.[]'`",
        ));
    }
    let Fields {
        text,
        id,
        meta: obj,
    } = {
        let mut de = serde_json::Deserializer::from_str(line);
        let f = serde::de::DeserializeSeed::deserialize(FieldsSeed(cfg), &mut de)
            .and_then(|f| de.end().map(|()| f))
            .map_err(|e| ReadError::record(name, line_no, format!("invalid JSON: {e}")))?;
        f
    };
    let text = match text {
        Some(Value::String(s)) => s,
        Some(Value::Null) | None => {
            return Err(ReadError::record(
                name,
                line_no,
                format!(
                    "missing text field \"{}\" (name the field that holds the text)",
                    cfg.text_field
                ),
            ))
        }
        Some(other) => {
            return Err(ReadError::record(
                name,
                line_no,
                format!(
                    "text field \"{}\" is a {}, not a string",
                    cfg.text_field,
                    kind(&other)
                ),
            ))
        }
    };
    let id = match id {
        Some(Value::Null) | None => format!("{stem}:{line_no}"),
        Some(Value::String(s)) => s,
        Some(v) => value_to_id(&v),
    };
    Ok(Record {
        id,
        text,
        meta: obj,
        loc: Location {
            file: name.clone(),
            line: line_no,
        },
        raw: cfg.keep_raw.then(|| Raw::Line(line.to_string())),
        origin: None,
    })
}

/// A JSONL object split while it is parsed: the text and id fields apart, every other
/// field as metadata. Keys are not copied unless they end up in the metadata.
struct Fields {
    text: Option<Value>,
    id: Option<Value>,
    meta: Map<String, Value>,
}

struct FieldsSeed<'c>(&'c InputConfig);

impl<'de> serde::de::DeserializeSeed<'de> for FieldsSeed<'_> {
    type Value = Fields;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Fields, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for FieldsSeed<'_> {
    type Value = Fields;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
        let mut out = Fields {
            text: None,
            id: None,
            meta: Map::new(),
        };
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            if *key == self.0.text_field {
                out.text = Some(map.next_value()?);
            } else if *key == self.0.id_field {
                out.id = Some(map.next_value()?);
            } else if self.0.keeps_meta(&key) {
                out.meta.insert(key.into_owned(), map.next_value()?);
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

/// An object key, borrowed from the line when it has no escapes.
struct Key<'de>(std::borrow::Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(v.into()))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(v.to_string().into()))
            }
        }
        d.deserialize_str(V)
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl<R: BufRead> Iterator for JsonlReader<R> {
    type Item = Result<Record, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.read_line() {
                Ok(false) => self.done = true,
                Ok(true) => match self.parse() {
                    Ok(None) => continue,
                    Ok(Some(r)) => return Some(Ok(r)),
                    Err(e) => return Some(Err(e)),
                },
                Err(e) => {
                    if !e.is_record() {
                        self.done = true;
                    }
                    return Some(Err(e));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &[u8], cfg: InputConfig) -> Vec<Result<Record, ReadError>> {
        JsonlReader::new(input, "in.jsonl".into(), Arc::new(cfg), None).collect()
    }

    #[test]
    fn reads_records_and_metadata() {
        let out = read(
            b"{\"id\": 7, \"text\": \"hello\", \"date\": \"2022-02-01\"}\n\n{\"text\": \"no id\"}\r\n",
            InputConfig::default(),
        );
        let a = out[0].as_ref().unwrap();
        assert_eq!(a.id, "7");
        assert_eq!(a.meta["date"], "2022-02-01");
        let b = out[1].as_ref().unwrap();
        assert_eq!(b.id, "in:3");
        assert_eq!(b.loc.line, 3);
    }

    #[test]
    fn bad_records_name_line_and_reason() {
        let input = b"{\"text\": \"ok\"}\n{broken\n{\"id\": 1}\n{\"text\": 5}\n\xff\xfe\n{\"text\": \"after\"}\n";
        let out = read(input, InputConfig::default());
        let msgs: Vec<String> = out
            .iter()
            .filter_map(|r| r.as_ref().err().map(|e| e.to_string()))
            .collect();
        assert_eq!(msgs.len(), 4, "{msgs:?}");
        assert!(
            msgs[0].starts_with("in.jsonl:2: invalid JSON"),
            "{}",
            msgs[0]
        );
        assert!(msgs[1].contains(":3: missing text field \"text\""));
        assert!(msgs[2].contains(":4: text field \"text\" is a number"));
        assert!(msgs[3].contains(":5: text is not valid UTF-8"));
        // The record after the bad ones is still read.
        assert_eq!(out.last().unwrap().as_ref().unwrap().text, "after");
    }

    #[test]
    fn only_asked_for_metadata_is_kept_but_all_of_it_is_checked() {
        let cfg = InputConfig {
            meta_fields: Some(vec!["date".into()]),
            ..Default::default()
        };
        let out = read(
            b"{\"id\":\"a\",\"group\":{\"x\":[1,2]},\"text\":\"t\",\"date\":\"2022-02-01\"}\n{\"text\":\"t\",\"group\":[1,}\n",
            cfg,
        );
        let a = out[0].as_ref().unwrap();
        assert_eq!(a.meta.len(), 1);
        assert_eq!(a.meta["date"], "2022-02-01");
        let e = out[1].as_ref().unwrap_err().to_string();
        assert!(e.starts_with("in.jsonl:2: invalid JSON"), "{e}");
    }

    #[test]
    fn oversized_record_is_an_error_and_reading_goes_on() {
        let big = format!(
            "{{\"text\": \"{}\"}}\n{{\"text\": \"small\"}}\n",
            "x".repeat(5000)
        );
        let cfg = InputConfig {
            max_record_bytes: 1000,
            ..Default::default()
        };
        let out = read(big.as_bytes(), cfg);
        assert!(out[0]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains(":1: record is larger"));
        assert_eq!(out[1].as_ref().unwrap().text, "small");
        assert_eq!(out[1].as_ref().unwrap().loc.line, 2);
    }
}
