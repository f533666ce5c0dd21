use std::path::Path;

/// Input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputFormat {
    /// Decide by file name (`.jsonl`, `.ndjson`, `.json`, `.csv`, `.tsv`, `.parquet`, else text);
    /// a directory is read as a tree of `.txt` files; standard input is JSONL.
    #[default]
    Auto,
    /// One JSON object per line.
    Jsonl,
    /// Plain text: one document per file.
    Txt,
    /// CSV with a header row.
    Csv,
    /// Apache Parquet.
    Parquet,
}

impl InputFormat {
    /// The format of `path` by its name, compression suffixes (`.gz`, `.zst`) removed.
    pub fn detect(path: &Path) -> InputFormat {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let name = name
            .strip_suffix(".gz")
            .or_else(|| name.strip_suffix(".zst"))
            .or_else(|| name.strip_suffix(".zstd"))
            .unwrap_or(&name);
        let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        match ext {
            "jsonl" | "ndjson" | "json" => InputFormat::Jsonl,
            "csv" | "tsv" => InputFormat::Csv,
            "parquet" | "pq" => InputFormat::Parquet,
            _ => InputFormat::Txt,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_name() {
        assert_eq!(
            InputFormat::detect(Path::new("a/b.jsonl.zst")),
            InputFormat::Jsonl
        );
        assert_eq!(
            InputFormat::detect(Path::new("b.JSON.gz")),
            InputFormat::Jsonl
        );
        assert_eq!(
            InputFormat::detect(Path::new("x.parquet")),
            InputFormat::Parquet
        );
        assert_eq!(InputFormat::detect(Path::new("x.tsv")), InputFormat::Csv);
        assert_eq!(InputFormat::detect(Path::new("notes")), InputFormat::Txt);
    }
}
