//! Plain text files: one document each.

use crate::error::{utf8_reason, ReadError};
use crate::reader::{InputConfig, Location, Raw, Record};
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

pub(crate) fn read(
    mut reader: impl Read,
    name: Arc<str>,
    path: PathBuf,
    id: String,
    cfg: &InputConfig,
    seekable: Option<Arc<std::path::Path>>,
) -> Result<Record, ReadError> {
    let mut bytes = Vec::new();
    reader
        .by_ref()
        .take(cfg.max_record_bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::io(&path, e))?;
    if bytes.len() > cfg.max_record_bytes {
        return Err(ReadError::record(
            &name,
            1,
            format!(
                "document is larger than the limit of {} bytes",
                cfg.max_record_bytes
            ),
        ));
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let (line, reason) = utf8_reason(e.as_bytes(), e.utf8_error());
            return Err(ReadError::record(&name, line, reason));
        }
    };
    Ok(Record {
        id,
        meta: Default::default(),
        loc: Location {
            file: name,
            line: 1,
        },
        origin: seekable.map(|path| crate::Origin {
            path,
            kind: crate::OriginKind::TxtFile,
            offset: 0,
            len: text.len() as u64,
        }),
        text,
        raw: cfg.keep_raw.then_some(Raw::File(path)),
    })
}
