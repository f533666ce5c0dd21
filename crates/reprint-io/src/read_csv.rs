//! CSV with a header row (comma; `.tsv` files use tabs).

use crate::error::ReadError;
use crate::reader::{InputConfig, Location, Raw, Record};
use serde_json::{Map, Value};
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

pub(crate) struct CsvRecords<R> {
    rows: csv::ByteRecordsIntoIter<R>,
    header: Vec<String>,
    name: Arc<str>,
    stem: String,
    text_col: usize,
    id_col: Option<usize>,
    keep_raw: bool,
    max_bytes: usize,
}

impl<R: Read> CsvRecords<R> {
    pub(crate) fn new(reader: R, name: Arc<str>, cfg: Arc<InputConfig>) -> Result<Self, ReadError> {
        let delimiter = if name.to_lowercase().contains(".tsv") {
            b'\t'
        } else {
            b','
        };
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(false)
            .from_reader(reader);
        let header: Vec<String> = rdr
            .byte_headers()
            .map_err(|e| ReadError::record(&name, 1, format!("cannot read the CSV header: {e}")))?
            .iter()
            .map(|h| {
                String::from_utf8_lossy(h)
                    .trim_start_matches('\u{feff}')
                    .to_string()
            })
            .collect();
        let text_col = header
            .iter()
            .position(|h| *h == cfg.text_field)
            .ok_or_else(|| {
                // The whole file is unusable: not one bad record to skip.
                ReadError::Format {
                    path: PathBuf::from(&*name),
                    reason: format!(
                        "line 1: no column \"{}\" in the header (columns: {}); name the column that holds the text",
                        cfg.text_field,
                        header.join(", ")
                    ),
                }
            })?;
        let id_col = header.iter().position(|h| *h == cfg.id_field);
        let stem = crate::reader::file_stem(&name);
        Ok(CsvRecords {
            rows: rdr.into_byte_records(),
            header,
            name,
            stem,
            text_col,
            id_col,
            keep_raw: cfg.keep_raw,
            max_bytes: cfg.max_record_bytes,
        })
    }
}

impl<R: Read> Iterator for CsvRecords<R> {
    type Item = Result<Record, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        let row = self.rows.next()?;
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                return Some(Err(ReadError::record(
                    &self.name,
                    line,
                    format!("bad CSV row: {e}"),
                )));
            }
        };
        let line = row.position().map(|p| p.line()).unwrap_or(0);
        let mut fields = Vec::with_capacity(row.len());
        for (i, f) in row.iter().enumerate() {
            match std::str::from_utf8(f) {
                Ok(s) => fields.push(s.to_string()),
                Err(e) => {
                    return Some(Err(ReadError::record(
                        &self.name,
                        line,
                        format!(
                            "column \"{}\" is not valid UTF-8 (at byte {} of the field)",
                            self.header[i],
                            e.valid_up_to()
                        ),
                    )))
                }
            }
        }
        if fields[self.text_col].len() > self.max_bytes {
            return Some(Err(ReadError::record(
                &self.name,
                line,
                format!(
                    "document is larger than the limit of {} bytes",
                    self.max_bytes
                ),
            )));
        }
        let text = fields[self.text_col].clone();
        let id = match self.id_col {
            Some(c) if !fields[c].is_empty() => fields[c].clone(),
            _ => format!("{}:{}", self.stem, line),
        };
        let mut meta = Map::new();
        for (i, f) in fields.iter().enumerate() {
            if i != self.text_col {
                meta.insert(self.header[i].clone(), Value::String(f.clone()));
            }
        }
        Some(Ok(Record {
            id,
            text,
            meta,
            loc: Location {
                file: self.name.clone(),
                line,
            },
            raw: self.keep_raw.then_some(Raw::CsvRow(fields)),
            origin: None,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rows_and_reports_bad_ones() {
        let input = b"id,title,text\n1,A,\"hello, world\"\n2,B\n3,C,\"multi\nline\"\n4,D,\xff\n";
        let out: Vec<_> =
            CsvRecords::new(&input[..], "x.csv".into(), Arc::new(InputConfig::default()))
                .unwrap()
                .collect();
        assert_eq!(out[0].as_ref().unwrap().text, "hello, world");
        assert_eq!(out[0].as_ref().unwrap().meta["title"], "A");
        let e = out[1].as_ref().unwrap_err().to_string();
        assert!(e.starts_with("x.csv:3: bad CSV row"), "{e}");
        assert_eq!(out[2].as_ref().unwrap().text, "multi\nline");
        let e = out[3].as_ref().unwrap_err().to_string();
        assert!(e.contains("not valid UTF-8"), "{e}");
    }

    #[test]
    fn missing_text_column_is_explained() {
        let e = CsvRecords::new(
            &b"a,b\n1,2\n"[..],
            "x.csv".into(),
            Arc::new(InputConfig::default()),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(e.contains("no column \"text\""), "{e}");
    }
}
