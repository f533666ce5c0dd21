//! Storage for every document's shingle set (or text) between the first pass and the
//! stages that read it again.
//!
//! Items are appended in document order. They stay in memory, in blocks, up to a budget;
//! past it they go to an unnamed temporary file and are read back one item at a time with
//! positioned reads, so resident memory stays within the budget whatever the corpus size (a
//! mapped file would count every page a reader touched as resident). [`SetArena`] holds
//! `u32` shingle sets, [`TextArena`] texts.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// What an arena stores: plain values written little endian.
pub trait Word: Copy + Send + Sync + 'static {
    /// Bytes per value.
    const BYTES: usize;
    /// Appends `v` to `w`, little endian.
    fn write_all(v: &[Self], w: &mut impl Write) -> std::io::Result<()>;
    /// Values from their little-endian bytes.
    fn from_bytes(bytes: Vec<u8>) -> Vec<Self>;
}

impl Word for u8 {
    const BYTES: usize = 1;
    fn write_all(v: &[u8], w: &mut impl Write) -> std::io::Result<()> {
        w.write_all(v)
    }
    fn from_bytes(bytes: Vec<u8>) -> Vec<u8> {
        bytes
    }
}

impl Word for u32 {
    const BYTES: usize = 4;
    fn write_all(v: &[u32], w: &mut impl Write) -> std::io::Result<()> {
        for x in v {
            w.write_all(&x.to_le_bytes())?;
        }
        Ok(())
    }
    fn from_bytes(bytes: Vec<u8>) -> Vec<u32> {
        bytes
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    }
}

/// Values per memory block (at most; an item longer than a block gets a block of its own).
const BLOCK_BYTES: usize = 4 << 20;

/// Append-only arena of items (slices of `W`).
pub struct Arena<W: Word> {
    /// Start of each item (in values, over all items), then the end of the last.
    offsets: Vec<u64>,
    /// Items in memory: `(first value's position, values)` per block, in order; every item
    /// lies in one block.
    mem: Vec<(u64, Vec<W>)>,
    /// Values of all blocks in `mem`.
    mem_values: usize,
    /// Values before this position are in the spill file.
    spilled_to: u64,
    spill: Option<BufWriter<File>>,
    file: Option<File>,
    budget_values: usize,
    spill_dir: Option<PathBuf>,
}

/// Shingle sets, one per document.
pub type SetArena = Arena<u32>;

/// Texts, one per document.
pub type TextArena = Arena<u8>;

impl<W: Word> Arena<W> {
    /// An arena holding up to `budget_bytes` in memory; beyond that it spills to a
    /// temporary file in `spill_dir` (the system temporary directory when `None`).
    pub fn new(budget_bytes: usize, spill_dir: Option<&Path>) -> Arena<W> {
        Arena {
            offsets: vec![0],
            mem: Vec::new(),
            mem_values: 0,
            spilled_to: 0,
            spill: None,
            file: None,
            budget_values: budget_bytes / W::BYTES,
            spill_dir: spill_dir.map(Path::to_path_buf),
        }
    }

    /// Changes the budget (the caller's other structures grew): items in memory beyond it
    /// are written out at once.
    pub fn set_budget(&mut self, budget_bytes: usize) -> std::io::Result<()> {
        self.budget_values = budget_bytes / W::BYTES;
        if self.mem_values > self.budget_values {
            self.flush_mem()?;
        } else if let Some((_, b)) = self.mem.last_mut() {
            // Give the memory back, not only the items.
            let other = self.mem_values - b.len();
            if other + b.capacity() > self.budget_values {
                b.shrink_to_fit();
            }
        }
        Ok(())
    }

    /// Appends the next item.
    pub fn push(&mut self, item: &[W]) -> std::io::Result<()> {
        if self.mem_values > 0 && self.mem_values + item.len() > self.budget_values {
            self.flush_mem()?;
        }
        let start = *self.offsets.last().expect("offsets start with 0");
        let block = (BLOCK_BYTES / W::BYTES).min(self.budget_values.max(1024));
        match self.mem.last_mut() {
            Some((_, b)) if b.capacity() - b.len() >= item.len() => b.extend_from_slice(item),
            _ if !item.is_empty() => {
                // A new block, sized for the budget's remainder (a block of a full size
                // past the budget would hold more than it for a moment).
                let room = self.budget_values.saturating_sub(self.mem_values);
                let mut b = Vec::with_capacity(block.min(room).max(item.len()));
                b.extend_from_slice(item);
                self.mem.push((start, b));
            }
            _ => {}
        }
        self.mem_values += item.len();
        self.offsets.push(start + item.len() as u64);
        if self.mem_values > self.budget_values {
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
        for (_, b) in &self.mem {
            W::write_all(b, w)?;
        }
        self.mem = Vec::new();
        self.mem_values = 0;
        self.spilled_to = *self.offsets.last().expect("offsets start with 0");
        Ok(())
    }

    /// Ends appending: a spilled arena writes what it still holds and frees its memory.
    pub fn finish(&mut self) -> std::io::Result<()> {
        if self.spill.is_some() {
            self.flush_mem()?;
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

    /// Bytes written to disk.
    pub fn spilled_bytes(&self) -> u64 {
        self.spilled_to * W::BYTES as u64
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Values in item `i`.
    pub fn item_len(&self, i: usize) -> usize {
        (self.offsets[i + 1] - self.offsets[i]) as usize
    }

    /// Bytes of the per-item offsets (8 per item, whatever the budget).
    pub fn offsets_bytes(&self) -> usize {
        self.offsets.capacity() * 8
    }

    /// Bytes held in memory (offsets plus in-memory items).
    pub fn memory_bytes(&self) -> usize {
        self.offsets.capacity() * 8
            + self
                .mem
                .iter()
                .map(|(_, b)| b.capacity() * W::BYTES)
                .sum::<usize>()
    }

    /// Item `i` (after [`Arena::finish`]): borrowed from memory, or read from the spill
    /// file when the arena went to disk.
    pub fn get(&self, i: usize) -> std::io::Result<Cow<'_, [W]>> {
        let (s, e) = (self.offsets[i], self.offsets[i + 1]);
        if s == e {
            return Ok(Cow::Borrowed(&[]));
        }
        if s >= self.spilled_to {
            let k = self.mem.partition_point(|(start, _)| *start <= s) - 1;
            let (start, b) = &self.mem[k];
            return Ok(Cow::Borrowed(
                &b[(s - start) as usize..(e - start) as usize],
            ));
        }
        let file = self
            .file
            .as_ref()
            .ok_or_else(|| std::io::Error::other("an arena is read before it is finished"))?;
        let mut bytes = vec![0u8; (e - s) as usize * W::BYTES];
        read_at(file, &mut bytes, s * W::BYTES as u64)?;
        Ok(Cow::Owned(W::from_bytes(bytes)))
    }
}

impl TextArena {
    /// Appends a text.
    pub fn push_text(&mut self, text: &str) -> std::io::Result<()> {
        self.push(text.as_bytes())
    }

    /// Text `i` (see [`Arena::get`]); bytes read back that are not UTF-8 (a damaged spill
    /// file) are an error.
    pub fn text(&self, i: usize) -> std::io::Result<Cow<'_, str>> {
        let invalid = |e: std::str::Utf8Error| {
            std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string())
        };
        match self.get(i)? {
            Cow::Borrowed(b) => std::str::from_utf8(b).map(Cow::Borrowed).map_err(invalid),
            Cow::Owned(b) => String::from_utf8(b)
                .map(Cow::Owned)
                .map_err(|e| invalid(e.utf8_error())),
        }
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
                assert!(arena.memory_bytes() - arena.offsets_bytes() <= budget / 2);
            }
            most = most.max(arena.memory_bytes() - arena.offsets_bytes());
        }
        assert!(
            most <= budget + 700 * 4,
            "held {most} bytes for a {budget} budget"
        );
        arena.finish().unwrap();
        assert_eq!(
            arena.memory_bytes(),
            arena.offsets_bytes(),
            "a spilled arena frees its memory"
        );
        assert_eq!(arena.get(150).unwrap(), &set[..]);
    }

    #[test]
    fn texts_read_back_the_same_from_memory_and_from_disk() {
        let texts: Vec<String> = (0..300)
            .map(|i| "é mot ".repeat(i % 17) + &i.to_string())
            .collect();
        for budget in [0, 50, 1 << 30] {
            let mut arena = TextArena::new(budget, None);
            for t in &texts {
                arena.push_text(t).unwrap();
            }
            arena.push_text("").unwrap();
            arena.finish().unwrap();
            assert_eq!(arena.spilled(), budget < 1 << 30);
            assert_eq!(arena.len(), texts.len() + 1);
            for (i, t) in texts.iter().enumerate() {
                assert_eq!(arena.text(i).unwrap(), t.as_str());
                assert_eq!(arena.item_len(i), t.len());
            }
            assert_eq!(arena.text(texts.len()).unwrap(), "");
            let total: usize = texts.iter().map(String::len).sum();
            let on_disk = if arena.spilled() { total as u64 } else { 0 };
            assert_eq!(arena.spilled_bytes(), on_disk);
        }
    }
}
