//! Storage for every document's shingle set between fingerprinting and verification.
//!
//! Sets are appended in document order. They stay in memory up to a budget; past it they
//! go to an unnamed temporary file and are read back one set at a time with positioned
//! reads, so resident memory stays within the budget whatever the corpus size (a mapped
//! file would count every page verification touched as resident).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Append-only arena of `u32` sets.
pub struct SetArena {
    offsets: Vec<u64>,
    mem: Vec<u32>,
    spill: Option<BufWriter<File>>,
    file: Option<File>,
    budget_words: usize,
    spill_dir: Option<PathBuf>,
}

impl SetArena {
    /// An arena holding up to `budget_bytes` in memory; beyond that it spills to a
    /// temporary file in `spill_dir` (the system temporary directory when `None`).
    pub fn new(budget_bytes: usize, spill_dir: Option<&Path>) -> SetArena {
        SetArena {
            offsets: vec![0],
            mem: Vec::new(),
            spill: None,
            file: None,
            budget_words: budget_bytes / 4,
            spill_dir: spill_dir.map(Path::to_path_buf),
        }
    }

    /// Changes the budget (the caller's other structures grew): sets in memory beyond it
    /// are written out at once.
    pub fn set_budget(&mut self, budget_bytes: usize) -> std::io::Result<()> {
        self.budget_words = budget_bytes / 4;
        if self.mem.len() > self.budget_words {
            self.flush_mem()?;
        }
        if self.mem.capacity() > self.budget_words.max(1024) {
            // Give the memory back, not only the sets.
            self.mem.shrink_to(self.budget_words.max(self.mem.len()));
        }
        Ok(())
    }

    /// Appends the next document's set.
    pub fn push(&mut self, set: &[u32]) -> std::io::Result<()> {
        if !self.mem.is_empty() && self.mem.len() + set.len() > self.budget_words {
            self.flush_mem()?;
        }
        let need = self.mem.len() + set.len();
        if need > self.mem.capacity() {
            // Grow by doubling, never past the budget: a doubling past it would hold twice
            // the budget for a moment.
            let target = (self.mem.capacity() * 2).max(1024).min(self.budget_words);
            self.mem.reserve_exact(target.max(need) - self.mem.len());
        }
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

    /// Ends appending: a spilled arena writes what it still holds and frees its memory.
    pub fn finish(&mut self) -> std::io::Result<()> {
        if self.spill.is_some() {
            self.flush_mem()?;
            self.mem = Vec::new();
            let file = self
                .spill
                .take()
                .expect("spill file")
                .into_inner()
                .map_err(|e| e.into_error())?;
            self.file = Some(file);
        }
        Ok(())
    }

    /// Whether the arena went to disk.
    pub fn spilled(&self) -> bool {
        self.file.is_some() || self.spill.is_some()
    }

    /// Number of sets.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether there are no sets.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of the per-set offsets (8 per set, whatever the budget).
    pub fn offsets_bytes(&self) -> usize {
        self.offsets.capacity() * 8
    }

    /// Bytes held in memory (offsets plus in-memory sets).
    pub fn memory_bytes(&self) -> usize {
        self.offsets.capacity() * 8 + self.mem.capacity() * 4
    }

    /// The set of document `i` (after [`SetArena::finish`]), read from the spill file when
    /// the arena went to disk.
    pub fn get(&self, i: usize) -> std::io::Result<Vec<u32>> {
        let (s, e) = (self.offsets[i], self.offsets[i + 1]);
        let Some(file) = &self.file else {
            return Ok(self.mem[s as usize..e as usize].to_vec());
        };
        let mut bytes = vec![0u8; (e - s) as usize * 4];
        read_at(file, &mut bytes, s * 4)?;
        Ok(bytes
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

#[cfg(windows)]
fn read_at(file: &File, mut buf: &mut [u8], mut at: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, at)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                at += n as u64;
            }
        }
    }
    Ok(())
}

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
            assert_eq!(small.get(i).unwrap(), &s[..]);
            assert_eq!(big.get(i).unwrap(), &s[..]);
        }
    }

    #[test]
    fn memory_never_grows_past_the_budget() {
        let budget = 40_000; // bytes: 10,000 words
        let mut arena = SetArena::new(budget, None);
        let set: Vec<u32> = (0..700).collect();
        let mut most = 0;
        for i in 0..200 {
            arena.push(&set).unwrap();
            if i == 100 {
                // A smaller budget takes effect at once.
                arena.set_budget(budget / 2).unwrap();
                assert!(arena.mem.capacity() * 4 <= budget / 2);
            }
            most = most.max(arena.mem.capacity() * 4);
        }
        assert!(
            most <= budget + 700 * 4,
            "held {most} bytes for a {budget} budget"
        );
        arena.finish().unwrap();
        assert_eq!(arena.mem.capacity(), 0, "a spilled arena frees its memory");
        assert_eq!(arena.get(150).unwrap(), set);
    }
}
