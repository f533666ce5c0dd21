//! Transparent gzip / zstd decompression, detected by magic bytes.

use std::io::{BufRead, BufReader, Read};

const GZIP: [u8; 2] = [0x1f, 0x8b];
const ZSTD: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// Wraps `inner` in a decompressor when its first bytes say it is compressed; the flag
/// says whether it did.
pub(crate) fn decompress<'a>(
    inner: impl Read + Send + 'a,
) -> std::io::Result<(Box<dyn BufRead + Send + 'a>, bool)> {
    let mut buf = BufReader::with_capacity(1 << 20, inner);
    let head = buf.fill_buf()?;
    if head.starts_with(&GZIP) {
        Ok((
            Box::new(BufReader::with_capacity(
                1 << 20,
                flate2::bufread::MultiGzDecoder::new(buf),
            )),
            true,
        ))
    } else if head.starts_with(&ZSTD) {
        Ok((
            Box::new(BufReader::with_capacity(
                1 << 20,
                zstd::stream::read::Decoder::with_buffer(buf)?,
            )),
            true,
        ))
    } else {
        Ok((Box::new(buf), false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn reads_plain_gzip_and_zstd() {
        let text = b"hello\nworld\n";
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(text).unwrap();
        let gz = gz.finish().unwrap();
        let zs = zstd::encode_all(&text[..], 1).unwrap();
        for input in [text.to_vec(), gz, zs] {
            let mut out = Vec::new();
            decompress(&input[..])
                .unwrap()
                .0
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out, text);
        }
    }
}
