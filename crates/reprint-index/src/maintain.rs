//! Counting, exporting, compacting and checking a store.

use super::*;

/// What [`Index::compact`] did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Compacted {
    /// Documents whose texts were copied.
    pub documents: u64,
    /// Bytes of the text log before (live texts, and those of removed or replaced
    /// documents).
    pub bytes_before: u64,
    /// Bytes of the text log after: the live texts only.
    pub bytes_after: u64,
}

impl Index {
    /// Counts, settings and size on disk.
    pub fn stats(&self) -> Result<Stats, IndexError> {
        let txn = self.db.begin_read()?;
        let mut entries = BTreeMap::new();
        let mut table_bytes = BTreeMap::new();
        let mut count = |name: &str, t: &dyn ReadableTableMetadata| -> Result<(), IndexError> {
            entries.insert(name.to_string(), t.len()?);
            table_bytes.insert(name.to_string(), pages(t)?);
            Ok(())
        };
        count("ids", &txn.open_table(IDS)?)?;
        count("documents", &txn.open_table(DOCS)?)?;
        count("texts", &txn.open_table(TEXTS)?)?;
        count("exact", &txn.open_table(EXACT)?)?;
        let (mut band_rows, mut band_bytes) = (0, 0);
        for b in 0..self.components.lsh.bands {
            let t = txn.open_table(band_table(b))?;
            band_rows += t.len()?;
            band_bytes += pages(&t)?;
        }
        let list = runs::stored(&txn)?;
        band_rows += list.rows();
        for t in runs::open_read(&txn, &list)? {
            band_bytes += pages(&t)?;
        }
        let run_count = list.runs.len() as u64;
        count("pairs", &txn.open_table(PAIRS)?)?;
        count("pairs_by_b", &txn.open_table(PAIRS_BY_B)?)?;
        count("seeds", &txn.open_table(SEEDS)?)?;
        let text_log_live = match &self.log {
            Some(_) => {
                // The log's committed bytes (a removed document's stay until the log is
                // rewritten), then those of the live documents.
                let end = texts_end(&txn.open_table(META)?, true)?;
                table_bytes.insert("text_log".into(), end);
                Some(texts::live_bytes(text_rows(&txn.open_table(TEXTS)?)?)?)
            }
            None => None,
        };
        entries.insert("bands".into(), band_rows);
        // Runs of bucket entries (format 3): their entries and pages are counted in "bands".
        entries.insert("bucket_runs".into(), run_count);
        table_bytes.insert("bands".into(), band_bytes);
        let documents = txn.open_table(IDS)?.len()?;
        let bytes_on_disk = self.bytes_on_disk();
        let stories = self
            .stories
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|s| s.stories().iter().filter(|s| !s.members.is_empty()).count() as u64);
        Ok(Stats {
            documents,
            levels: self.stored.levels.clone(),
            settings: self.stored.clone(),
            bytes_on_disk,
            entries,
            table_bytes,
            stories,
            text_log_live,
        })
    }

    /// Every finding of the indexed collection, the records `analyze` writes for it (in
    /// the same order), into `sink`; then returns the summary's fields.
    pub fn export<S: Sink>(
        &self,
        sink: &mut S,
    ) -> Result<Result<serde_json::Map<String, serde_json::Value>, S::Error>, IndexError> {
        catch(|| export::export(self, sink))
    }

    /// Rewrites the text log with the live texts only: a removed or replaced document's
    /// text stays in the log until then. Takes the index by value: nothing else in this
    /// process reads it meanwhile (and redb keeps other processes out). Crash-safe: the new
    /// log is written and synced under a new name, one transaction points every document
    /// and the store at it, and only then is the old log removed; a compaction that died
    /// earlier left an unreferenced log, removed here.
    pub fn compact(self) -> Result<Compacted, IndexError> {
        let Some(old) = &self.log else {
            return Err(IndexError::Store(
                "this store is of format 1: its texts are in the database, there is no text log to compact".into(),
            ));
        };
        catch(|| {
            let txn = self.db.begin_write()?;
            let (documents, bytes_before, bytes_after) = {
                let mut meta = txn.open_table(META)?;
                let mut texts = txn.open_table(TEXTS)?;
                let current = log_name(&meta)?;
                let end = texts_end(&meta, true)?;
                texts::remove_stale_logs(&self.dir, &current)?;
                let generation = texts::log_generation(&current).expect("checked by log_name");
                let new_name = format!("texts.{}.log", generation + 1);
                let new = TextLog::create(&self.dir, &new_name)?;
                let (new_end, places) = texts::copy_live(old, end, text_rows(&texts)?, &new)?;
                for (d, p) in &places {
                    texts.insert(*d, p.as_slice())?;
                }
                meta.insert(META_TEXTS_END, new_end.to_le_bytes().as_slice())?;
                meta.insert(META_TEXT_LOG, new_name.as_bytes())?;
                (places.len() as u64, end, new_end)
            };
            txn.commit()?;
            // Compacted: an old log that cannot be removed now goes at the next compaction.
            let _ = std::fs::remove_file(old.path());
            Ok(Compacted {
                documents,
                bytes_before,
                bytes_after,
            })
        })
    }

    /// Checks a whole store (slow on a large one): every page's checksum, then every
    /// document's metadata and text, every pair and every copy's place. Returns the number
    /// of documents checked.
    pub fn check(dir: &Path) -> Result<u64, IndexError> {
        read_manifest(dir)?;
        {
            let mut db = catch(|| Database::open(dir.join(DATABASE)).map_err(IndexError::from))?;
            match catch(|| db.check_integrity().map_err(IndexError::from))? {
                true => {}
                false => {
                    return Err(IndexError::Corrupted {
                        detail: "damaged pages were found (redb repaired what it could)".into(),
                    })
                }
            }
        }
        let index = Index::open(dir)?;
        catch(|| {
            let txn = index.db.begin_read()?;
            let docs = txn.open_table(DOCS)?;
            let texts = txn.open_table(TEXTS)?;
            let store = read_texts(index.log.as_ref(), &txn)?;
            let mut n = 0;
            for e in docs.iter()? {
                let (k, v) = e?;
                let d = k.value();
                let m = DocMeta::decode(v.value(), d)?;
                let t = texts.get(d)?.ok_or_else(|| IndexError::Corrupted {
                    detail: format!("the text of document {d} is missing"),
                })?;
                let text = store.read(t.value(), d)?;
                let mut fp = reprint_text::Fingerprint::default();
                index.components.shingler.fingerprint(&text, &mut fp);
                if fp.exact != m.exact {
                    return Err(IndexError::Corrupted {
                        detail: format!("document {d} does not match its text"),
                    });
                }
                n += 1;
            }
            // Export reads every pair and copy with its checks.
            let mut sink: Vec<Finding> = Vec::new();
            let _ = export::export(&index, &mut sink)?;
            Ok(n)
        })
    }
}

/// Bytes of the pages a table occupies: data, B-tree structure, and unused room in them.
fn pages(t: &dyn ReadableTableMetadata) -> Result<u64, IndexError> {
    let s = t.stats()?;
    Ok(s.stored_bytes() + s.metadata_bytes() + s.fragmented_bytes())
}
