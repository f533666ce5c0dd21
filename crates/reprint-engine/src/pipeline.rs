//! The first stages: read → fingerprint (parallel) → candidate index → verify → cluster.

use crate::{EngineError, Observer};
use rayon::prelude::*;
use reprint_dedup::{DedupConfig, DedupResult, Deduper, DocInput};
use reprint_io::arena::{SetArena, TextArena};
use reprint_io::{ReadError, Record};
use reprint_sketch::{LshParams, Sketcher};
use reprint_text::{Fingerprint, Shingler};
use std::borrow::Cow;
use std::time::Instant;

type Result<T, E = EngineError> = std::result::Result<T, E>;

/// Everything the pipeline needs, validated.
#[derive(Clone)]
pub(crate) struct Settings {
    pub shingler: Shingler,
    pub sketcher: Sketcher,
    pub lsh: LshParams,
    pub dedup: DedupConfig,
    pub date_field: String,
    pub skip_bad: bool,
    pub memory_bytes: usize,
    pub spill_dir: Option<std::path::PathBuf>,
    /// How records are read (deferred JSON lines are parsed with it on the workers).
    pub input: reprint_io::InputConfig,
    /// Keep every text (in a [`TextArena`] within the budget), date and title for the
    /// later stages (reuse, stories).
    pub keep_texts: bool,
    /// Metadata field with a dense embedding per document (stories).
    pub embedding_field: Option<String>,
    /// Metadata field naming the series (reuse).
    pub series_field: Option<String>,
    /// A static embedding model that embeds each text instead (stories).
    pub model: Option<std::sync::Arc<reprint_embed::StaticModel>>,
}

/// One accepted document, as kept in memory for the output stage (small: a million of
/// them stay in a few tens of MB when only duplicates are asked for).
pub(crate) struct DocRow {
    pub id: String,
    /// Where it was read (file and line or row): the kept corpus finds it again by this.
    pub loc: reprint_io::Location,
    /// Date (days since 1970-01-01) from metadata or a header line.
    pub date: Option<i64>,
    /// Metadata, when later stages (reuse, stories) need it.
    pub kept: Option<Box<KeptDoc>>,
}

/// What later stages need of a document beyond its id and text.
pub(crate) struct KeptDoc {
    /// Title metadata.
    pub title: Option<String>,
    /// The date metadata as written.
    pub meta_date: Option<String>,
    /// The series metadata (a string, or a number written as one).
    pub series: Option<String>,
    /// Dense embedding from `--embedding-field`.
    pub embedding: Option<Vec<f32>>,
}

impl DocRow {
    /// The title metadata, when kept.
    pub fn title(&self) -> Option<&str> {
        self.kept.as_ref().and_then(|k| k.title.as_deref())
    }

    /// The date metadata as written, when kept.
    pub fn meta_date(&self) -> Option<&str> {
        self.kept.as_ref().and_then(|k| k.meta_date.as_deref())
    }

    /// The series metadata, when kept.
    pub fn series(&self) -> Option<&str> {
        self.kept.as_ref().and_then(|k| k.series.as_deref())
    }

    /// The embedding, when kept.
    pub fn embedding(&self) -> Option<&[f32]> {
        self.kept.as_ref().and_then(|k| k.embedding.as_deref())
    }
}

/// Every document's text, when later stages need them: in memory within the budget, the
/// rest in the spill file. A text that cannot be read back is an empty text here, and the
/// first such error is kept for [`KeptTexts::check`].
pub(crate) struct KeptTexts {
    arena: TextArena,
    error: std::sync::Mutex<Option<std::io::Error>>,
}

impl KeptTexts {
    /// Document `d`'s text ("" when texts are not kept).
    pub fn get(&self, d: usize) -> Cow<'_, str> {
        if d >= self.arena.len() {
            return Cow::Borrowed("");
        }
        match self.arena.text(d) {
            Ok(t) => t,
            Err(e) => {
                self.error
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get_or_insert(e);
                Cow::Borrowed("")
            }
        }
    }

    /// Holds at most `bytes` of texts in memory from now on: the texts beyond it are
    /// written to the spill file at once.
    pub fn set_budget(&mut self, bytes: usize) -> std::io::Result<()> {
        self.arena.set_budget(bytes)
    }

    /// Length of document `d`'s text.
    pub fn len_of(&self, d: usize) -> usize {
        if d < self.arena.len() {
            self.arena.item_len(d)
        } else {
            0
        }
    }

    /// Bytes of text written to the spill file.
    pub fn spilled_bytes(&self) -> u64 {
        self.arena.spilled_bytes()
    }

    /// The first error reading a text back, if any: what was computed from it is not to be
    /// trusted.
    pub fn check(&self) -> Result<()> {
        match self.error.lock().unwrap_or_else(|e| e.into_inner()).take() {
            Some(e) => Err(EngineError::Spill(e)),
            None => Ok(()),
        }
    }
}

impl reprint_reuse::Texts for KeptTexts {
    fn count(&self) -> usize {
        self.arena.len()
    }
    fn text_len(&self, doc: usize) -> usize {
        self.len_of(doc)
    }
    fn text(&self, doc: usize) -> Cow<'_, str> {
        self.get(doc)
    }
}

/// What the pipeline found.
pub(crate) struct Outcome {
    pub docs: Vec<DocRow>,
    pub texts: KeptTexts,
    pub result: DedupResult,
    pub skipped: u64,
    pub bytes: u64,
    pub arena_spilled: bool,
    /// Bytes held for all documents at the end of reading (index, ids, places, kept
    /// texts): what `--memory-mib` could not give to shingle sets.
    pub held_bytes: u64,
    /// Blocks the candidate sets were fetched in.
    pub verify_blocks: u64,
    /// Where the verified documents' shingle sets came from.
    pub sets: SetCounts,
    pub seconds_fingerprint: f64,
    pub seconds_dedup: f64,
    /// Parts of `seconds_dedup`: finding candidates, fetching their sets, verify + cluster.
    pub seconds_dedup_parts: [f64; 3],
}

/// One document's fingerprint; its shingle set and band keys live in its [`Batch`].
struct Fp {
    embedding: Option<Vec<f32>>,
    tokens: u32,
    exact: u64,
    /// End of its set in `Batch::sets` (the start is the previous document's end).
    set_end: usize,
    date: Option<i64>,
}

/// Fingerprints of consecutive documents, with their sets and keys in two flat vectors:
/// two allocations per batch instead of two per document.
#[derive(Default)]
struct Batch {
    items: Vec<Result<(Record, Fp), ReadError>>,
    sets: Vec<u32>,
    keys: Vec<u32>,
}

struct Worker {
    fp: Fingerprint,
    sig: Vec<u32>,
}

/// Documents and text bytes per chunk: large enough to spread over the pool, and on one
/// thread small, so the same few MB of buffers are reused while they are still in cache.
const CHUNK_DOCS: usize = 2048;
const CHUNK_BYTES: usize = 8 << 20;
const CHUNK_DOCS_ONE_THREAD: usize = 256;
const CHUNK_BYTES_ONE_THREAD: usize = 1 << 20;
/// Documents per batch within a chunk, when the chunk is spread over threads.
const BATCH_DOCS: usize = 128;

impl Settings {
    /// Fingerprints `rec`, appending its set and band keys to `batch`.
    fn fingerprint(&self, w: &mut Worker, rec: &Record, batch: &mut Batch) -> Fp {
        self.shingler.fingerprint(&rec.text, &mut w.fp);
        // Unsorted, with repeats: only candidates' sets are ever sorted (at verification).
        batch.sets.extend(w.fp.shingles.iter().map(|&h| h as u32));
        // A document with shingles has `bands` keys in `batch.keys`; one without has none.
        if !w.fp.shingles.is_empty() {
            self.sketcher.sign_into(&w.fp.shingles, &mut w.sig);
            let start = batch.keys.len();
            batch.keys.resize(start + self.lsh.bands, 0);
            self.lsh.band_keys(&w.sig, &mut batch.keys[start..]);
        }
        let date = rec
            .meta
            .get(&self.date_field)
            .and_then(|v| v.as_str())
            .and_then(reprint_text::date::parse_iso_date)
            .or_else(|| reprint_text::date::header_date(&rec.text));
        Fp {
            embedding: None,
            tokens: w.fp.tokens.min(u32::MAX as usize) as u32,
            exact: w.fp.exact,
            set_end: batch.sets.len(),
            date,
        }
    }

    fn worker(&self) -> Worker {
        Worker {
            fp: Fingerprint::default(),
            sig: vec![0; self.sketcher.slots()],
        }
    }
}

/// Where verification took each document's shingle set from (each document counted once,
/// however many verification blocks fetched it), and how many fetches there were.
#[derive(Debug, Default, Clone, Copy)]
pub struct SetCounts {
    /// Documents whose set was kept from the first pass (compressed input, standard input,
    /// CSV, Parquet).
    pub stored: u64,
    /// Documents read again from the input file and fingerprinted again.
    pub reread: u64,
    /// Documents fingerprinted again from texts kept in memory for later stages.
    pub from_text: u64,
    /// Sets fetched in all: a document in several verification blocks is fetched in each.
    pub fetches: u64,
}

/// Runs the pipeline over `records`. With more than one thread, reading runs on its own
/// thread while the pool fingerprints the previous chunk.
pub(crate) fn run(
    records: impl Iterator<Item = Result<Record, ReadError>> + Send,
    settings: &Settings,
    threads: usize,
    observer: &dyn Observer,
    texts: Option<&dyn crate::TextSource>,
) -> Result<Outcome> {
    let progress = |docs, bytes| observer.progress(docs, bytes);
    let phase = |name: &str| observer.phase(name);
    let warn = |e: &ReadError| observer.skipped(e);
    let start = Instant::now();
    let mut deduper = Deduper::new(settings.dedup, settings.lsh);
    // Shingle sets are kept only for documents that cannot be read again: verification
    // re-reads the few candidates instead (or takes their kept texts).
    let mut arena = SetArena::new(settings.memory_bytes, settings.spill_dir.as_deref());
    // Texts, when later stages read them, share the budget the same way (sets are then not
    // kept: verification fingerprints the candidates' texts again).
    let mut texts_kept = TextArena::new(settings.memory_bytes / 2, settings.spill_dir.as_deref());
    let mut rereader = reprint_io::Rereader::new(&settings.input);
    let mut exacts: Vec<u64> = Vec::new();
    // Hash of each id → its document; a hash collision of two different ids keeps the
    // first and compares strings, so it never rejects a record wrongly.
    let mut ids: std::collections::HashMap<u64, u32> = std::collections::HashMap::new();
    let mut docs: Vec<DocRow> = Vec::new();
    let mut skipped = 0u64;
    let mut bytes = 0u64;

    let mut late_skipped = 0u64;
    // Heap bytes of the ids and kept texts, for the memory account.
    let mut doc_heap = 0usize;
    // Set and key buffers of absorbed batches, for the next chunks to fill.
    let pool: std::sync::Mutex<Vec<(Vec<u32>, Vec<u32>)>> = Default::default();
    let mut dims: Option<usize> = None;
    let mut absorb = |batches: Vec<Batch>| -> Result<()> {
        for mut batch in batches {
            let (mut set_start, mut key_start) = (0, 0);
            for item in std::mem::take(&mut batch.items) {
                // Each fingerprinted record's set and keys, sliced off the batch first, so a
                // record rejected below never shifts the next one's.
                let item = item.map(|(rec, fp)| {
                    let set = &batch.sets[set_start..fp.set_end];
                    set_start = fp.set_end;
                    let keys: &[u32] = if !set.is_empty() {
                        key_start += settings.lsh.bands;
                        &batch.keys[key_start - settings.lsh.bands..key_start]
                    } else {
                        &[]
                    };
                    (rec, fp, set, keys)
                });
                // Every embedding must have the first one's dimension.
                let item = item.and_then(|(rec, fp, set, keys)| match (&fp.embedding, dims) {
                    (Some(e), Some(d)) if e.len() != d => Err(ReadError::Record {
                        file: rec.loc.file.to_string(),
                        line: rec.loc.line,
                        reason: format!("embedding has {} dimensions, earlier ones {d}", e.len()),
                    }),
                    (Some(e), None) => {
                        dims = Some(e.len());
                        Ok((rec, fp, set, keys))
                    }
                    _ => Ok((rec, fp, set, keys)),
                });
                // Ids must name one document each: a repeated id is a bad record, named with
                // where the id was first seen.
                let item = item.and_then(|(rec, fp, set, keys)| {
                    let h = xxhash_rust::xxh3::xxh3_64(rec.id.as_bytes());
                    match ids.get(&h) {
                        Some(&first) if docs[first as usize].id == rec.id => {
                            let loc = match rereader.location(first as usize) {
                                Some((file, line)) => format!("first at {file}:{line}"),
                                None => format!("first as document {}", first + 1),
                            };
                            Err(ReadError::Record {
                                file: rec.loc.file.to_string(),
                                line: rec.loc.line,
                                reason: format!(
                                    "duplicate id \"{}\" ({loc}); ids must name one document each",
                                    rec.id
                                ),
                            })
                        }
                        _ => Ok((rec, fp, set, keys)),
                    }
                });
                let (rec, fp, set, keys) = match item {
                    Ok(x) => x,
                    Err(e) => {
                        // A bad JSON line found on a worker: handled here, in input order.
                        if !settings.skip_bad {
                            return Err(e.into());
                        }
                        late_skipped += 1;
                        warn(&e);
                        continue;
                    }
                };
                deduper.add(DocInput {
                    exact: fp.exact,
                    tokens: fp.tokens,
                    date: fp.date,
                    band_keys: keys,
                    set,
                });
                let reread =
                    !settings.keep_texts && rereader.push(rec.origin.as_ref(), rec.loc.line);
                // The caller keeps this text for the whole run: no need to keep its set.
                let held = !settings.keep_texts
                    && !reread
                    && texts.is_some_and(|t| t.text(&rec.loc).is_some());
                arena
                    .push(if settings.keep_texts || reread || held {
                        &[]
                    } else {
                        set
                    })
                    .map_err(EngineError::Spill)?;
                if settings.keep_texts {
                    texts_kept
                        .push_text(&rec.text)
                        .map_err(EngineError::Spill)?;
                }
                ids.entry(xxhash_rust::xxh3::xxh3_64(rec.id.as_bytes()))
                    .or_insert(docs.len() as u32);
                exacts.push(fp.exact);
                bytes += rec.text.len() as u64;
                doc_heap += rec.id.capacity();
                let series = settings
                    .series_field
                    .as_ref()
                    .and_then(|f| rec.meta_text(f));
                let kept = settings.keep_texts.then(|| {
                    let meta_str = |field: &str| {
                        rec.meta
                            .get(field)
                            .and_then(|v| v.as_str())
                            .map(str::to_string)
                    };
                    Box::new(KeptDoc {
                        title: meta_str("title"),
                        meta_date: meta_str(&settings.date_field),
                        series,
                        embedding: fp.embedding,
                    })
                });
                if let Some(k) = &kept {
                    doc_heap += std::mem::size_of::<KeptDoc>()
                        + k.title.as_ref().map_or(0, String::capacity)
                        + k.meta_date.as_ref().map_or(0, String::capacity)
                        + k.series.as_ref().map_or(0, String::capacity)
                        + k.embedding.as_ref().map_or(0, |e| e.capacity() * 4);
                }
                docs.push(DocRow {
                    loc: rec.loc,
                    id: rec.id,
                    date: fp.date,
                    kept,
                });
            }
            // The buffers go back to the pool: the next chunk reuses their pages.
            batch.sets.clear();
            batch.keys.clear();
            pool.lock().expect("pool").push((batch.sets, batch.keys));
        }
        // What every document costs is taken from the budget first; shingle sets get the
        // rest (all of them go to disk once nothing is left).
        let held = held_bytes(
            deduper.memory_bytes() + arena.offsets_bytes() + texts_kept.offsets_bytes(),
            &docs,
            doc_heap,
            &ids,
            &exacts,
            &rereader,
        );
        let room = settings.memory_bytes.saturating_sub(held);
        if settings.keep_texts {
            // Texts may take what the records leave of half the budget: the other half is
            // for the later stages (the seed index, the tokens of candidate documents).
            texts_kept
                .set_budget(room.saturating_sub(settings.memory_bytes / 2))
                .map_err(EngineError::Spill)?;
        } else {
            arena.set_budget(room).map_err(EngineError::Spill)?;
        }
        progress(docs.len() as u64, bytes);
        Ok(())
    };
    // Parsing deferred JSON lines happens here too, so it is spread over the pool.
    let process = |chunk: Vec<Record>| -> Vec<Batch> {
        let one = |w: &mut Worker, r: Record, batch: &mut Batch| {
            let r = r.finish(&settings.input)?;
            let mut fp = settings.fingerprint(w, &r, batch);
            if let Some(field) = &settings.embedding_field {
                fp.embedding = embedding(&r, field)?;
            } else if let Some(model) = &settings.model {
                fp.embedding = model.embed(&r.text).map_err(|e| ReadError::Record {
                    file: r.loc.file.to_string(),
                    line: r.loc.line,
                    reason: e.to_string(),
                })?;
            }
            Ok((r, fp))
        };
        let batch = |w: &mut Worker, recs: Vec<Record>| {
            // About one shingle per 6 bytes of text: reserve so the sets rarely regrow.
            let bytes: usize = recs.iter().map(|r| r.text.len()).sum();
            let (mut sets, mut keys) = pool.lock().expect("pool").pop().unwrap_or_default();
            sets.reserve(bytes / 5 + 64);
            keys.reserve(recs.len() * settings.lsh.bands);
            let mut b = Batch {
                items: Vec::with_capacity(recs.len()),
                sets,
                keys,
            };
            for r in recs {
                let (sets, keys) = (b.sets.len(), b.keys.len());
                let item = one(w, r, &mut b);
                if item.is_err() {
                    // A record that failed after fingerprinting leaves nothing behind.
                    b.sets.truncate(sets);
                    b.keys.truncate(keys);
                }
                b.items.push(item);
            }
            b
        };
        if threads <= 1 {
            vec![batch(&mut settings.worker(), chunk)]
        } else {
            chunk
                .into_par_iter()
                .chunks(BATCH_DOCS)
                .map_init(|| settings.worker(), batch)
                .collect()
        }
    };
    let mut chunker = Chunker {
        records,
        skip_bad: settings.skip_bad,
        skipped: 0,
        warn: &warn,
        limits: if threads <= 1 {
            (CHUNK_DOCS_ONE_THREAD, CHUNK_BYTES_ONE_THREAD)
        } else {
            (CHUNK_DOCS, CHUNK_BYTES)
        },
    };

    if threads <= 1 {
        while let Some(chunk) = chunker.next_chunk()? {
            absorb(process(chunk))?;
        }
        skipped = chunker.skipped;
    } else {
        std::thread::scope(|s| -> Result<()> {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<Record>>>(2);
            let reader = s.spawn(move || {
                loop {
                    match chunker.next_chunk() {
                        Ok(Some(c)) => {
                            if tx.send(Ok(c)).is_err() {
                                break;
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            break;
                        }
                    }
                }
                chunker.skipped
            });
            // Absorb chunk i (sequential, in input order) while the pool fingerprints chunk
            // i + 1, so the pool never waits for the bookkeeping.
            let mut pending: Option<Vec<Batch>> = None;
            for chunk in rx {
                let chunk = chunk?;
                let (absorbed, done) = rayon::join(
                    || pending.take().map_or(Ok(()), &mut absorb),
                    || process(chunk),
                );
                absorbed?;
                pending = Some(done);
            }
            if let Some(items) = pending {
                absorb(items)?;
            }
            skipped = reader.join().expect("reader thread");
            Ok(())
        })?;
    }
    skipped += late_skipped;
    let held_at_end = held_bytes(
        deduper.memory_bytes() + arena.offsets_bytes() + texts_kept.offsets_bytes(),
        &docs,
        doc_heap,
        &ids,
        &exacts,
        &rereader,
    );
    if held_at_end > settings.memory_bytes {
        observer.note(&format!(
            "the records of {} documents hold {} MiB, more than the {} MiB memory budget \
             (shingle sets went to disk; the records stay in memory)",
            docs.len(),
            held_at_end >> 20,
            settings.memory_bytes >> 20
        ));
    }
    arena.finish().map_err(EngineError::Spill)?;
    texts_kept.finish().map_err(EngineError::Spill)?;
    let texts_kept = KeptTexts {
        arena: texts_kept,
        error: Default::default(),
    };
    let seconds_fingerprint = start.elapsed().as_secs_f64();
    let t = Instant::now();
    let spilled = arena.spilled();
    phase(&format!(
        "{} documents read; finding candidate pairs",
        docs.len()
    ));
    let candidates = deduper.candidates();
    phase(&format!(
        "fetching the shingle sets of {} candidate documents",
        candidates.involved().len()
    ));
    let t_sets = Instant::now();
    // An arena that did not spill still holds its sets: they count too.
    let held = held_bytes(
        candidates.memory_bytes() + arena.memory_bytes() + texts_kept.arena.memory_bytes(),
        &docs,
        doc_heap,
        &ids,
        &exacts,
        &rereader,
    );
    drop(ids);
    // Sets are fetched in blocks that fit what the budget leaves (at least 16 MiB, or the
    // whole budget when smaller, so a budget spent on the documents' own records still
    // verifies in useful blocks).
    let block_budget = settings
        .memory_bytes
        .saturating_sub(held)
        .max(settings.memory_bytes.min(16 << 20));
    let mut counts = SetCounts::default();
    // Documents already counted in `counts` (one bit each).
    let mut counted = vec![0u64; docs.len().div_ceil(64)];
    let mut fetching = 0.0;
    phase("verifying candidate pairs and clustering");
    let places = SetPlaces {
        arena: &arena,
        rereader: &rereader,
        docs: &docs,
        exacts: &exacts,
        texts,
        kept: &texts_kept,
    };
    let result = candidates.verify_with(block_budget, |block: &[u32]| {
        let t = Instant::now();
        let got = gather_sets(block, settings, &places, &mut counts, &mut counted);
        fetching += t.elapsed().as_secs_f64();
        got
    })?;
    drop(arena);
    let verify_blocks = result.stats.verify_blocks;
    let parts = [
        (t_sets - t).as_secs_f64(),
        fetching,
        t_sets.elapsed().as_secs_f64() - fetching,
    ];
    texts_kept.check()?;
    Ok(Outcome {
        docs,
        texts: texts_kept,
        result,
        skipped,
        bytes,
        arena_spilled: spilled,
        held_bytes: held_at_end as u64,
        verify_blocks,
        sets: counts,
        seconds_fingerprint,
        seconds_dedup: t.elapsed().as_secs_f64(),
        seconds_dedup_parts: parts,
    })
}

/// Where verification finds a document's shingle set.
#[derive(Clone, Copy)]
struct SetPlaces<'a> {
    arena: &'a SetArena,
    rereader: &'a reprint_io::Rereader,
    docs: &'a [DocRow],
    exacts: &'a [u64],
    texts: Option<&'a dyn crate::TextSource>,
    kept: &'a KeptTexts,
}

/// The shingle sets of `involved` documents, each from wherever it is: the arena, the text
/// kept in memory, or the input file read again. A text read again must fingerprint to the
/// same exact hash as in the first pass, or the file changed under us: an error.
fn gather_sets(
    involved: &[u32],
    settings: &Settings,
    places: &SetPlaces<'_>,
    counts: &mut SetCounts,
    counted: &mut [u64],
) -> Result<Vec<Vec<u32>>> {
    let SetPlaces {
        arena,
        rereader,
        docs,
        exacts,
        texts,
        kept,
    } = *places;
    let one = |w: &mut Worker, &d: &u32| -> Result<(Vec<u32>, u8)> {
        let d = d as usize;
        let held = || texts.and_then(|t| t.text(&docs[d].loc));
        let (text, how) = if settings.keep_texts {
            (kept.get(d), 2)
        } else if let Some(t) = held() {
            (Cow::Borrowed(t), 2)
        } else if let Some(t) = rereader.text(d)? {
            (Cow::Owned(t), 1)
        } else {
            let set = arena.get(d).map_err(EngineError::Spill)?;
            return Ok((set.into_owned(), 0));
        };
        settings.shingler.fingerprint(&text, &mut w.fp);
        if w.fp.exact != exacts[d] {
            // A kept text that could not be read back is that error, not a changed file.
            kept.check()?;
            let (file, line) = rereader.location(d).unwrap_or(("input", 0));
            return Err(reprint_io::reread::changed(
                file,
                line,
                "the record's text is not what it was",
            )
            .into());
        }
        Ok((w.fp.shingles.iter().map(|&h| h as u32).collect(), how))
    };
    // Collected whole, then the first error in document order is reported: the same error
    // whatever the thread count.
    let got: Vec<Result<(Vec<u32>, u8)>> = involved
        .par_iter()
        .map_init(|| settings.worker(), one)
        .collect();
    let got: Vec<(Vec<u32>, u8)> = got.into_iter().collect::<Result<_>>()?;
    let sets = got
        .into_iter()
        .zip(involved)
        .map(|((set, how), &d)| {
            counts.fetches += 1;
            let (word, bit) = (d as usize / 64, 1u64 << (d % 64));
            if counted[word] & bit == 0 {
                counted[word] |= bit;
                match how {
                    0 => counts.stored += 1,
                    1 => counts.reread += 1,
                    _ => counts.from_text += 1,
                }
            }
            set
        })
        .collect();
    Ok(sets)
}

/// Bytes held for the documents read so far outside the shingle sets: the deduper's
/// tables (`dedup_bytes`), the document rows and their ids (and kept texts), the id
/// table, the exact hashes and the places to read candidates again.
fn held_bytes(
    dedup_bytes: usize,
    docs: &Vec<DocRow>,
    doc_heap: usize,
    ids: &std::collections::HashMap<u64, u32>,
    exacts: &Vec<u64>,
    rereader: &reprint_io::Rereader,
) -> usize {
    dedup_bytes
        + docs.capacity() * std::mem::size_of::<DocRow>()
        + doc_heap
        + ids.capacity() * (std::mem::size_of::<(u64, u32)>() + 1)
        + exacts.capacity() * 8
        + rereader.memory_bytes()
}

/// The embedding in `field` of a record, if it has one: a JSON array of numbers, or a
/// string holding one (as CSV and Parquet inputs give it).
fn embedding(rec: &Record, field: &str) -> Result<Option<Vec<f32>>, ReadError> {
    let bad = |reason: String| ReadError::Record {
        file: rec.loc.file.to_string(),
        line: rec.loc.line,
        reason,
    };
    let parsed;
    let value = match rec.meta.get(field) {
        None | Some(serde_json::Value::Null) => return Ok(None),
        Some(serde_json::Value::String(s)) => {
            parsed = serde_json::from_str::<serde_json::Value>(s).map_err(|e| {
                bad(format!(
                    "embedding field \"{field}\" is not a JSON array: {e}"
                ))
            })?;
            &parsed
        }
        Some(v) => v,
    };
    let items = value.as_array().ok_or_else(|| {
        bad(format!(
            "embedding field \"{field}\" is not an array of numbers"
        ))
    })?;
    let v: Option<Vec<f32>> = items.iter().map(|x| x.as_f64().map(|f| f as f32)).collect();
    match v {
        Some(v) if !v.is_empty() && v.iter().all(|f| f.is_finite()) => Ok(Some(v)),
        _ => Err(bad(format!(
            "embedding field \"{field}\" must be a non-empty array of finite numbers"
        ))),
    }
}

struct Chunker<'w, I> {
    records: I,
    skip_bad: bool,
    skipped: u64,
    warn: &'w (dyn Fn(&ReadError) + Sync),
    /// Most documents and text bytes per chunk.
    limits: (usize, usize),
}

impl<I: Iterator<Item = Result<Record, ReadError>>> Chunker<'_, I> {
    fn next_chunk(&mut self) -> Result<Option<Vec<Record>>> {
        let mut chunk = Vec::new();
        let mut size = 0;
        while chunk.len() < self.limits.0 && size < self.limits.1 {
            match self.records.next() {
                None => break,
                Some(Ok(r)) => {
                    size += r.text.len();
                    chunk.push(r);
                }
                Some(Err(e)) if e.is_record() && self.skip_bad => {
                    self.skipped += 1;
                    (self.warn)(&e);
                }
                Some(Err(e)) => return Err(e.into()),
            }
        }
        Ok((!chunk.is_empty()).then_some(chunk))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reprint_sketch::SketchConfig;
    use reprint_text::ShingleConfig;

    fn settings(input: reprint_io::InputConfig) -> Settings {
        Settings {
            shingler: Shingler::new(ShingleConfig::default()).unwrap(),
            sketcher: Sketcher::new(SketchConfig::default()).unwrap(),
            lsh: LshParams::for_threshold(0.8, 128, 24, 0.005).unwrap(),
            dedup: DedupConfig::default(),
            date_field: "date".into(),
            skip_bad: false,
            memory_bytes: 1 << 20,
            spill_dir: None,
            input,
            keep_texts: false,
            embedding_field: None,
            series_field: None,
            model: None,
        }
    }

    const TEXT: &str =
        "the quick brown fox jumps over the lazy dog near the river bank today and then";

    fn write_corpus(path: &std::path::Path, second: &str) {
        std::fs::write(
            path,
            format!(
                "{{\"id\":\"a\",\"text\":\"{TEXT}\"}}\n{{\"id\":\"b\",\"text\":\"{TEXT} {second}\"}}\n"
            ),
        )
        .unwrap();
    }

    /// A record rejected after fingerprinting (an embedding of the wrong size, skipped) must
    /// not shift the shingle sets of the records after it in its batch.
    #[test]
    fn a_record_rejected_late_leaves_the_next_sets_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let line = |id: &str, text: &str, emb: &str| {
            format!("{{\"id\":\"{id}\",\"text\":\"{text}\",\"emb\":{emb}}}\n")
        };
        let c = format!("{TEXT} one two three four five six");
        let d = format!("{TEXT} one two three four five seven");
        let with_bad = dir.path().join("with.jsonl");
        let without = dir.path().join("without.jsonl");
        std::fs::write(
            &with_bad,
            line(
                "a",
                "alpha beta gamma delta epsilon zeta eta theta",
                "[1,2]",
            ) + &line("b", "iota kappa lambda mu nu xi omicron pi rho", "[1,2,3]")
                + &line("c", &c, "[3,4]")
                + &line("d", &d, "[5,6]"),
        )
        .unwrap();
        std::fs::write(
            &without,
            line(
                "a",
                "alpha beta gamma delta epsilon zeta eta theta",
                "[1,2]",
            ) + &line("c", &c, "[3,4]")
                + &line("d", &d, "[5,6]"),
        )
        .unwrap();
        let cfg = reprint_io::InputConfig::default();
        let mut s = settings(cfg.clone());
        s.embedding_field = Some("emb".into());
        s.skip_bad = true;
        let pairs = |path: &std::path::Path| {
            let records = reprint_io::Inputs::open(&[path.to_path_buf()], &cfg).unwrap();
            let out = run(records, &s, 1, &(), None).unwrap();
            let ids = |d: u32| out.docs[d as usize].id.clone();
            (
                out.skipped,
                out.result
                    .pairs
                    .iter()
                    .map(|p| (ids(p.a), ids(p.b), p.overlap))
                    .collect::<Vec<_>>(),
            )
        };
        let (skipped, got) = pairs(&with_bad);
        let (_, want) = pairs(&without);
        assert_eq!(skipped, 1);
        assert_eq!(got.len(), 1);
        assert_eq!(got, want);
    }

    #[test]
    fn candidates_are_read_again_and_a_changed_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.jsonl");
        for threads in [1, 2] {
            write_corpus(&path, "again");
            let cfg = reprint_io::InputConfig::default();
            let s = settings(cfg.clone());
            let records = reprint_io::Inputs::open(std::slice::from_ref(&path), &cfg).unwrap();
            let out = run(records, &s, threads, &(), None).unwrap();
            assert_eq!(out.result.pairs.len(), 1);
            assert_eq!(out.sets.reread, 2);
            assert_eq!(out.sets.stored, 0);

            // The same file, rewritten after the first pass read it: same byte lengths,
            // other words.
            let records = reprint_io::Inputs::open(std::slice::from_ref(&path), &cfg)
                .unwrap()
                .chain(std::iter::from_fn(|| {
                    let text = std::fs::read_to_string(&path).unwrap();
                    std::fs::write(&path, text.replace("quick", "slowx")).unwrap();
                    None
                }));
            let err = match run(records, &s, threads, &(), None) {
                Err(e) => e.to_string(),
                Ok(_) => panic!("a changed file must not verify"),
            };
            assert!(err.contains("c.jsonl:1: the file changed"), "{err}");
        }
    }
}
