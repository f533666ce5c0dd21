//! Storage for every document's shingle set between fingerprinting and verification.
//!
//! Sets are appended in document order. They stay in memory up to a budget; past it the
//! whole arena moves to an anonymous temporary file, memory-mapped for verification, so
//! resident memory stays bounded whatever the corpus size (the OS pages sets in on demand).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Append-only arena of sorted `u32` sets.
pub struct SetArena {
    offsets: Vec<u64>,
    mem: Vec<u32>,
    spill: Option<BufWriter<File>>,
    budget_words: usize,
    spill_dir: Option<PathBuf>,
    map: Option<memmap2::Mmap>,
}

impl SetArena {
    /// An arena holding up to `budget_bytes` in memory; beyond that it spills to a
    /// temporary file in `spill_dir` (the system temporary directory when `None`).
    pub fn new(budget_bytes: usize, spill_dir: Option<&Path>) -> SetArena {
        SetArena {
            offsets: vec![0],
            mem: Vec::new(),
            spill: None,
            budget_words: budget_bytes / 4,
            spill_dir: spill_dir.map(Path::to_path_buf),
            map: None,
        }
    }

    /// Appends the next document's set.
    pub fn push(&mut self, set: &[u32]) -> std::io::Result<()> {
        self.mem.extend_from_slice(set);
        let end = self.offsets.last().copied().unwrap_or(0) + set.len() as u64;
        self.offsets.push(end);
        if self.mem.len() > self.budget_words {
            self.flush_mem()?;
        }
        Ok(())
    }

    fn flush_mem(&mut self) -> std::io::Result<()> {
        if self.spill.is_none() {
            let file = match &self.spill_dir {
                Some(d) => tempfile::tempfile_in(d)?,
                None => tempfile::tempfile()?,
            };
            self.spill = Some(BufWriter::with_capacity(1 << 20, file));
        }
        let w = self.spill.as_mut().expect("spill file");
        for v in &self.mem {
            w.write_all(&v.to_le_bytes())?;
        }
        self.mem.clear();
        Ok(())
    }

    /// Ends appending: a spilled arena is flushed and mapped.
    pub fn finish(&mut self) -> std::io::Result<()> {
        if self.spill.is_some() {
            self.flush_mem()?;
            let file = self
                .spill
                .take()
                .expect("spill file")
                .into_inner()
                .map_err(|e| e.into_error())?;
            // SAFETY: the file is an unnamed temporary file only this process holds; nothing
            // else can modify it while it is mapped.
            self.map = Some(unsafe { memmap2::Mmap::map(&file)? });
        }
        Ok(())
    }

    /// Whether the arena went to disk.
    pub fn spilled(&self) -> bool {
        self.map.is_some() || self.spill.is_some()
    }

    /// Number of sets.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether there are no sets.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held in memory (offsets plus in-memory sets).
    pub fn memory_bytes(&self) -> usize {
        self.offsets.capacity() * 8 + self.mem.capacity() * 4
    }

    /// The set of document `i` (after [`SetArena::finish`]).
    pub fn get(&self, i: usize) -> &[u32] {
        let (s, e) = (self.offsets[i] as usize, self.offsets[i + 1] as usize);
        match &self.map {
            Some(m) => {
                let bytes = &m[s * 4..e * 4];
                // SAFETY: the map is page-aligned and offsets are in whole u32s, so the
                // slice is 4-byte aligned; the bytes were written as little-endian u32 and
                // reprint targets little-endian machines (checked at compile time below).
                unsafe { std::slice::from_raw_parts(bytes.as_ptr() as *const u32, e - s) }
            }
            None => &self.mem[s..e],
        }
    }
}

#[cfg(not(target_endian = "little"))]
compile_error!("the spill arena assumes a little-endian machine");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_and_spilled_arenas_agree() {
        let sets: Vec<Vec<u32>> = (0..500u32).map(|i| (i..i + (i % 37)).collect()).collect();
        let mut small = SetArena::new(64, None);
        let mut big = SetArena::new(1 << 30, None);
        for s in &sets {
            small.push(s).unwrap();
            big.push(s).unwrap();
        }
        small.finish().unwrap();
        big.finish().unwrap();
        assert!(small.spilled());
        assert!(!big.spilled());
        for (i, s) in sets.iter().enumerate() {
            assert_eq!(small.get(i), &s[..]);
            assert_eq!(big.get(i), &s[..]);
        }
    }
}
