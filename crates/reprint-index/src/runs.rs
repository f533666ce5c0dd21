//! LSH buckets written a batch at a time (format 3). A large batch's bucket entries, sorted,
//! become a *run*: a table of blocks of entries, written once, in order. Runs merge as they
//! grow — the newest with the one before it while it is at least as large, so a store of
//! `n` entries has at most about log2(n / RUN_MIN_ROWS) runs and each entry is rewritten
//! that many times at most. Small batches (a service's one document) still insert into the
//! per-band tables; a lookup reads those and every run.
//!
//! Why: inserting a 100,000-document batch entry by entry (2.1 million inserts of uniform
//! keys) touches every page of the band tables, so each batch rewrote them whole; a run
//! writes its pages once.

use crate::IndexError;
use redb::{ReadableTable, Table, TableDefinition, WriteTransaction};

/// A flush of at least this many bucket entries becomes a run (about 3,000 documents of 21
/// bands); a smaller one goes to the per-band tables.
pub(crate) const RUN_MIN_ROWS: usize = 1 << 16;

/// Entries per block: 338 × 12 bytes, so that a block, its 12-byte key and redb's leaf
/// header (8 bytes) fill one 4 KiB page (340 entries took two pages each: 485 bytes of bucket
/// pages per document of 21 bands instead of 254).
const BLOCK_ROWS: usize = 338;

/// One bucket entry: the bucket key `(band << 32) | key` and the document, big endian
/// (ordered as the pair, compared as bytes).
pub(crate) type Row = [u8; 12];
const ROW: usize = 12;

pub(crate) fn row(bk: u64, d: u32) -> Row {
    let mut r = [0u8; ROW];
    r[..8].copy_from_slice(&bk.to_be_bytes());
    r[8..].copy_from_slice(&d.to_be_bytes());
    r
}

pub(crate) fn row_parts(r: &[u8]) -> (u64, u32) {
    (
        u64::from_be_bytes(r[..8].try_into().expect("8 bytes")),
        u32::from_be_bytes(r[8..ROW].try_into().expect("4 bytes")),
    )
}

/// A run's table: first entry of a block → the block (its entries, sorted).
pub(crate) type RunTable<'t> = Table<'t, Row, &'static [u8]>;

fn run_table(name: &str) -> TableDefinition<'_, Row, &'static [u8]> {
    TableDefinition::new(name)
}

fn run_name(id: u32) -> String {
    format!("runs.{id:08}")
}

/// The runs of a store, oldest first, as `meta` keeps them: the next run number, then
/// (number, entries) per run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RunList {
    pub(crate) next: u32,
    pub(crate) runs: Vec<(u32, u64)>,
}

impl RunList {
    pub(crate) fn decode(bytes: Option<&[u8]>) -> Result<RunList, IndexError> {
        let Some(b) = bytes else {
            return Ok(RunList::default());
        };
        if b.len() < 4 || (b.len() - 4) % 12 != 0 {
            return Err(IndexError::Corrupted {
                detail: "the list of bucket runs is damaged".into(),
            });
        }
        let next = u32::from_le_bytes(b[..4].try_into().expect("4 bytes"));
        let runs = b[4..]
            .chunks_exact(12)
            .map(|c| {
                (
                    u32::from_le_bytes(c[..4].try_into().expect("4 bytes")),
                    u64::from_le_bytes(c[4..].try_into().expect("8 bytes")),
                )
            })
            .collect();
        Ok(RunList { next, runs })
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut b = self.next.to_le_bytes().to_vec();
        for &(id, rows) in &self.runs {
            b.extend_from_slice(&id.to_le_bytes());
            b.extend_from_slice(&rows.to_le_bytes());
        }
        b
    }

    /// Entries in all runs.
    pub(crate) fn rows(&self) -> u64 {
        self.runs.iter().map(|r| r.1).sum()
    }

    /// The runs `meta` records.
    pub(crate) fn of(
        meta: &impl ReadableTable<&'static str, &'static [u8]>,
    ) -> Result<RunList, IndexError> {
        let list = meta.get(crate::store::META_RUNS)?;
        RunList::decode(list.as_ref().map(|v| v.value()))
    }
}

/// The runs a read transaction sees.
pub(crate) fn stored(txn: &redb::ReadTransaction) -> Result<RunList, IndexError> {
    RunList::of(&txn.open_table(crate::store::META)?)
}

/// Opens each run's table for reading.
pub(crate) fn open_read(
    txn: &redb::ReadTransaction,
    list: &RunList,
) -> Result<Vec<redb::ReadOnlyTable<Row, &'static [u8]>>, IndexError> {
    list.runs
        .iter()
        .map(|&(id, _)| Ok(txn.open_table(run_table(&run_name(id)))?))
        .collect()
}

/// The runs open in a write transaction.
pub(crate) struct Runs<'t> {
    txn: &'t WriteTransaction,
    pub(crate) list: RunList,
    pub(crate) tables: Vec<RunTable<'t>>,
}

impl<'t> Runs<'t> {
    pub(crate) fn open(txn: &'t WriteTransaction, list: RunList) -> Result<Runs<'t>, IndexError> {
        let tables = list
            .runs
            .iter()
            .map(|&(id, _)| Ok(txn.open_table(run_table(&run_name(id)))?))
            .collect::<Result<_, IndexError>>()?;
        Ok(Runs { txn, list, tables })
    }

    /// Writes `rows` (sorted) as a new run, then merges while the newest run is at least
    /// as large as the one before it.
    pub(crate) fn push(&mut self, rows: &[(u64, u32)]) -> Result<(), IndexError> {
        let id = self.take_id()?;
        let mut t = self.txn.open_table(run_table(&run_name(id)))?;
        let mut w = BlockWriter::default();
        for &(bk, d) in rows {
            w.push(&mut t, row(bk, d))?;
        }
        w.finish(&mut t)?;
        self.list.runs.push((id, rows.len() as u64));
        self.tables.push(t);
        while let [.., (_, older), (_, newer)] = self.list.runs[..] {
            if newer < older {
                break;
            }
            self.merge_last_two()?;
        }
        Ok(())
    }

    fn take_id(&mut self) -> Result<u32, IndexError> {
        let id = self.list.next;
        self.list.next = id
            .checked_add(1)
            .ok_or_else(|| IndexError::Store("the bucket runs are numbered to 2^32".into()))?;
        Ok(id)
    }

    fn merge_last_two(&mut self) -> Result<(), IndexError> {
        let id = self.take_id()?;
        let newer = self.tables.pop().expect("two runs");
        let older = self.tables.pop().expect("two runs");
        let (_, rn) = self.list.runs.pop().expect("two runs");
        let (_, ro) = self.list.runs.pop().expect("two runs");
        let mut t = self.txn.open_table(run_table(&run_name(id)))?;
        let mut w = BlockWriter::default();
        let mut a = RowIter::new(older.iter()?);
        let mut b = RowIter::new(newer.iter()?);
        let (mut x, mut y) = (a.next_row()?, b.next_row()?);
        loop {
            match (x, y) {
                (Some(r), Some(s)) if r <= s => {
                    w.push(&mut t, r)?;
                    x = a.next_row()?;
                }
                (_, Some(s)) => {
                    w.push(&mut t, s)?;
                    y = b.next_row()?;
                }
                (Some(r), None) => {
                    w.push(&mut t, r)?;
                    x = a.next_row()?;
                }
                (None, None) => break,
            }
        }
        w.finish(&mut t)?;
        drop((a, b));
        self.txn.delete_table(older)?;
        self.txn.delete_table(newer)?;
        self.list.runs.push((id, ro + rn));
        self.tables.push(t);
        Ok(())
    }

    /// Removes entry `(bk, d)` from the run that holds it; whether one did.
    pub(crate) fn remove(&mut self, bk: u64, d: u32) -> Result<bool, IndexError> {
        let r = row(bk, d);
        for (i, t) in self.tables.iter_mut().enumerate() {
            let found = match t.range(..=r)?.next_back() {
                Some(e) => {
                    let (k, v) = e?;
                    let block = v.value();
                    check_block(block)?;
                    match block.chunks_exact(ROW).position(|c| c == r) {
                        Some(at) => {
                            let mut rest = block.to_vec();
                            rest.drain(at * ROW..(at + 1) * ROW);
                            Some((k.value(), rest))
                        }
                        None => None,
                    }
                }
                None => None,
            };
            if let Some((key, rest)) = found {
                // A block keeps its key (a lower bound of its entries) until it is empty.
                if rest.is_empty() {
                    t.remove(key)?;
                } else {
                    t.insert(key, rest.as_slice())?;
                }
                self.list.runs[i].1 -= 1;
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// Members of bucket `bk` in one run: the first `max` ascending into `out`, and the last.
pub(crate) fn bucket(
    t: &impl ReadableTable<Row, &'static [u8]>,
    bk: u64,
    max: usize,
    out: &mut Vec<u32>,
) -> Result<Option<u32>, IndexError> {
    let (lo, hi) = (row(bk, 0), row(bk, u32::MAX));
    // The members, last first: blocks from the last that may hold the bucket back to the
    // first that starts below it (a bucket may begin inside a block whose first entry is
    // smaller).
    let mut members = Vec::new();
    for e in t.range(..=hi)?.rev() {
        let (k, v) = e?;
        let block = v.value();
        check_block(block)?;
        let rows = block.len() / ROW;
        let start = partition(rows, |i| block[i * ROW..(i + 1) * ROW] < lo[..]);
        let end = partition(rows, |i| block[i * ROW..(i + 1) * ROW] <= hi[..]);
        for c in block[start * ROW..end * ROW].chunks_exact(ROW).rev() {
            members.push(row_parts(c).1);
        }
        if k.value() < lo {
            break;
        }
    }
    out.extend(members.iter().rev().take(max));
    Ok(members.first().copied())
}

/// Calls `f` with every entry of a run, in order.
pub(crate) fn for_each(
    t: &impl ReadableTable<Row, &'static [u8]>,
    mut f: impl FnMut(u64, u32),
) -> Result<(), IndexError> {
    for e in t.iter()? {
        let (_, v) = e?;
        let block = v.value();
        check_block(block)?;
        for c in block.chunks_exact(ROW) {
            let (bk, d) = row_parts(c);
            f(bk, d);
        }
    }
    Ok(())
}

fn check_block(block: &[u8]) -> Result<(), IndexError> {
    if block.is_empty() || block.len() % ROW != 0 {
        return Err(IndexError::Corrupted {
            detail: "a block of bucket entries is damaged".into(),
        });
    }
    Ok(())
}

/// The first `i` in `0..n` for which `below(i)` is false (`below` true on a prefix).
fn partition(n: usize, below: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if below(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// Entries of a run in order, a block at a time.
struct RowIter<'a> {
    blocks: redb::Range<'a, Row, &'static [u8]>,
    block: Vec<u8>,
    at: usize,
}

impl<'a> RowIter<'a> {
    fn new(blocks: redb::Range<'a, Row, &'static [u8]>) -> RowIter<'a> {
        RowIter {
            blocks,
            block: Vec::new(),
            at: 0,
        }
    }

    fn next_row(&mut self) -> Result<Option<Row>, IndexError> {
        while self.at >= self.block.len() {
            match self.blocks.next() {
                Some(e) => {
                    let v = e?.1;
                    check_block(v.value())?;
                    self.block.clear();
                    self.block.extend_from_slice(v.value());
                    self.at = 0;
                }
                None => return Ok(None),
            }
        }
        let r: Row = self.block[self.at..self.at + ROW]
            .try_into()
            .expect("a row");
        self.at += ROW;
        Ok(Some(r))
    }
}

/// Cuts sorted entries into blocks.
#[derive(Default)]
struct BlockWriter {
    block: Vec<u8>,
}

impl BlockWriter {
    fn push(&mut self, t: &mut RunTable<'_>, r: Row) -> Result<(), IndexError> {
        self.block.extend_from_slice(&r);
        if self.block.len() == BLOCK_ROWS * ROW {
            self.finish(t)?;
        }
        Ok(())
    }

    fn finish(&mut self, t: &mut RunTable<'_>) -> Result<(), IndexError> {
        if !self.block.is_empty() {
            let first: Row = self.block[..ROW].try_into().expect("a row");
            t.insert(first, self.block.as_slice())?;
            self.block.clear();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run table's members of each bucket, read back one bucket at a time.
    fn members(
        t: &impl ReadableTable<Row, &'static [u8]>,
        bk: u64,
        max: usize,
    ) -> (Vec<u32>, Option<u32>) {
        let mut out = Vec::new();
        let last = bucket(t, bk, max, &mut out).unwrap();
        (out, last)
    }

    #[test]
    fn runs_merge_in_order_and_answer_buckets_across_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let db = redb::Database::create(dir.path().join("t.redb")).unwrap();
        let txn = db.begin_write().unwrap();
        let list = {
            let mut runs = Runs::open(&txn, RunList::default()).unwrap();
            // Bucket 7 of band 1 spans several blocks (1,000 members over three runs);
            // its neighbours 6 and 8 hold one member each.
            let big = (1u64 << 32) | 7;
            for part in 0..3u32 {
                let mut rows: Vec<(u64, u32)> = (0..334).map(|i| (big, part * 334 + i)).collect();
                rows.push(((1 << 32) | 6, 5000 + part));
                rows.push(((1 << 32) | 8, 6000 + part));
                rows.sort_unstable();
                runs.push(&rows).unwrap();
            }
            // Equal runs merge: 1 + 1 → 2, then 2 and 1 stay apart.
            assert_eq!(runs.list.runs.len(), 2, "{:?}", runs.list);
            assert_eq!(runs.list.rows(), 3 * 336);
            let all: Vec<(u64, u32)> = {
                let mut v = Vec::new();
                for t in &runs.tables {
                    for_each(t, |bk, d| v.push((bk, d))).unwrap();
                }
                v
            };
            let mut sorted = all.clone();
            sorted.sort_unstable();
            // Each run is in order; together they hold every entry once.
            sorted.dedup();
            assert_eq!(sorted.len(), all.len());
            let merged = &runs.tables[0];
            let (m, last) = members(merged, big, 10);
            assert_eq!(m, (0..10).collect::<Vec<_>>());
            assert_eq!(last, Some(667));
            let (m, last) = members(merged, (1 << 32) | 6, 10);
            assert_eq!((m, last), (vec![5000, 5001], Some(5001)));
            let (m, last) = members(merged, (1 << 32) | 9, 10);
            assert_eq!((m, last), (vec![], None));
            // Removing the last member, then one in the middle, then a missing entry.
            assert!(runs.remove(big, 667).unwrap());
            assert!(runs.remove(big, 300).unwrap());
            assert!(!runs.remove(big, 300).unwrap());
            let (m, last) = members(&runs.tables[0], big, 1000);
            assert_eq!(last, Some(666));
            assert_eq!(m.len(), 666);
            assert!(!m.contains(&300));
            assert_eq!(runs.list.rows(), 3 * 336 - 2);
            runs.list.clone()
        };
        assert_eq!(RunList::decode(Some(&list.encode())).unwrap(), list);
        assert!(RunList::decode(Some(&[1, 2, 3])).is_err());
    }
}
