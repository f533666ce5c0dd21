//! Adding, querying and removing documents: one write transaction per batch.

use super::*;

/// The tables one write transaction uses.
pub(crate) struct Tables<'t> {
    pub(crate) meta: Table<'t, &'static str, &'static [u8]>,
    ids: Table<'t, &'static str, u32>,
    pub(crate) bands: Vec<Table<'t, (u32, u32), ()>>,
    pub(crate) runs: runs::Runs<'t>,
    seeds: Table<'t, [u8; 12], ()>,
    view: WriteView<'t>,
}

type WriteView<'t> = View<
    't,
    Table<'t, u32, &'static [u8]>,
    Table<'t, u32, &'static [u8]>,
    Table<'t, (u64, u32), ()>,
    Table<'t, (u32, u32), PairValue>,
    Table<'t, (u32, u32), ()>,
>;

impl<'t> Tables<'t> {
    pub(crate) fn open(
        txn: &'t redb::WriteTransaction,
        bands: usize,
        log: Option<&'t TextLog>,
    ) -> Result<Tables<'t>, IndexError> {
        let meta = txn.open_table(META)?;
        let text_store = Texts::new(log, texts_end(&meta, log.is_some())?);
        Ok(Tables {
            runs: runs::Runs::open(txn, runs::RunList::of(&meta)?)?,
            meta,
            ids: txn.open_table(IDS)?,
            bands: (0..bands)
                .map(|b| txn.open_table(band_table(b)))
                .collect::<Result<_, _>>()?,
            seeds: txn.open_table(SEEDS)?,
            view: View {
                docs: txn.open_table(DOCS)?,
                texts: txn.open_table(TEXTS)?,
                text_store,
                exact: txn.open_table(EXACT)?,
                pairs: txn.open_table(PAIRS)?,
                pairs_by_b: txn.open_table(PAIRS_BY_B)?,
            },
        })
    }

    /// Records the runs as they are now (after a flush or a removal).
    fn save_runs(&mut self) -> Result<(), IndexError> {
        if self.runs.list != runs::RunList::default() {
            self.meta
                .insert(META_RUNS, self.runs.list.encode().as_slice())?;
        }
        Ok(())
    }

    fn next_doc(&self) -> Result<u32, IndexError> {
        Ok(match self.meta.get(META_NEXT)? {
            Some(v) => {
                u32::from_le_bytes(v.value().try_into().map_err(|_| IndexError::Corrupted {
                    detail: "the document counter is damaged".into(),
                })?)
            }
            None => 0,
        })
    }
}

/// What a document needs before it meets the store, computed for a whole batch at once
/// (in parallel when the caller's pool has threads).
struct Prepared {
    print: Print,
    packed: Vec<u8>,
    toks: Option<DocTokens>,
    seeds: Vec<u64>,
}

/// The fingerprint of one document, as the duplicate level needs it.
struct Print {
    exact: u64,
    tokens: u32,
    /// Shingles as 32-bit values (as the batch verifies), unsorted, repeats kept.
    set: Vec<u32>,
    /// Band keys (empty when the document has no shingle).
    keys: Vec<u32>,
}

impl Index {
    /// Adds a batch in one transaction and returns each new document's findings against
    /// the whole index (earlier documents of the same batch included). Durable when this
    /// returns. An id already indexed is an error, unless `replace`: then the old document
    /// is removed first and the new one arrives now. On any error nothing of the batch is
    /// stored.
    pub fn add(&self, docs: &[NewDoc], replace: bool) -> Result<Added, IndexError> {
        self.write(docs, replace, true)
    }

    /// What [`Index::add`] would answer; nothing is stored.
    pub fn query(&self, docs: &[NewDoc]) -> Result<Added, IndexError> {
        self.write(docs, true, false)
    }

    fn write(&self, docs: &[NewDoc], replace: bool, commit: bool) -> Result<Added, IndexError> {
        for d in docs {
            // Compressed, with its checksum, a text's length must fit 32 bits: an
            // incompressible text grows by up to 1/128.
            if d.text.len() > MAX_TEXT_BYTES {
                return Err(IndexError::TooLarge {
                    id: d.id.clone(),
                    bytes: d.text.len(),
                });
            }
        }
        let mut guard = self.stories.lock().unwrap_or_else(|p| p.into_inner());
        // A dry run of one document peeks at the stories; a longer one works on a copy.
        let peek = !commit && docs.len() == 1;
        let mut scratch = if commit || peek { None } else { guard.clone() };
        let result = catch(|| {
            let stream = if commit || peek {
                guard.as_mut()
            } else {
                scratch.as_mut()
            };
            self.write_txn(docs, replace, commit, stream, peek)
        });
        if result.is_err() && commit {
            // The stream may be ahead of the store: read it back.
            *guard = self.load_stories()?;
        }
        result
    }

    fn load_stories(&self) -> Result<Option<StoryStream>, IndexError> {
        Ok(
            read_stories(&self.db, self.log.as_ref())?.map(|(s, saved)| {
                self.stories_saved
                    .store(saved, std::sync::atomic::Ordering::Release);
                s
            }),
        )
    }

    /// Whether a commit that leaves the stream at `len` documents stores a new checkpoint:
    /// after a removal (`forced`: replaying cannot undo one), or once the documents since
    /// the last one reach an eighth of the stream (so writing the whole state costs a
    /// constant per document, and opening replays at most an eighth).
    fn checkpoint_due(&self, len: u32, forced: bool) -> bool {
        let saved = self
            .stories_saved
            .load(std::sync::atomic::Ordering::Acquire);
        forced || len.saturating_sub(saved) >= (len / 8).max(STORY_CHECKPOINT_MIN)
    }

    fn write_txn(
        &self,
        docs: &[NewDoc],
        replace: bool,
        commit: bool,
        mut stream: Option<&mut StoryStream>,
        peek: bool,
    ) -> Result<Added, IndexError> {
        let txn = self.db.begin_write()?;
        let mut saved = None;
        let findings = {
            let mut t = Tables::open(&txn, self.components.lsh.bands, self.log.as_ref())?;
            let mut next = t.next_doc()?;
            let mut findings = Vec::new();
            let mut removed = false;
            let mut pending = PendingBands::with_capacity(docs.len() * self.components.lsh.bands);
            let run_min = self.run_min.load(std::sync::atomic::Ordering::Relaxed);
            let mut filter = self.filter.lock().unwrap_or_else(|p| p.into_inner());
            let full = filter.as_ref().is_some_and(BandFilter::is_full);
            if full || (docs.len() >= 64 && filter.is_none()) {
                let rows = t.runs.list.rows();
                *filter = Some(build_filter(&t.bands, &t.runs.tables, rows)?);
            }
            let mut seed_filter = self.seed_filter.lock().unwrap_or_else(|p| p.into_inner());
            if self.cfg.reuse.is_some() {
                let full = seed_filter.as_ref().is_some_and(BandFilter::is_full);
                if full || (docs.len() >= 64 && seed_filter.is_none()) {
                    *seed_filter = Some(build_seed_filter(&t.seeds)?);
                }
            }
            let prepared: Vec<Prepared> = {
                use rayon::prelude::*;
                docs.par_iter()
                    .map_init(
                        || (Packer::new(), reprint_text::Fingerprint::default()),
                        |(packer, fp), doc| self.prepare(doc, packer, fp),
                    )
                    .collect()
            };
            let n = docs.len();
            for (i, (doc, prep)) in docs.iter().zip(prepared).enumerate() {
                // The last document of a dry run is read by nothing after it: only what its
                // own findings read is written (then thrown away).
                let keep_all = commit || i + 1 < n;
                let existing = t.ids.get(doc.id.as_str())?.map(|v| v.value());
                if let Some(old) = existing {
                    if !replace {
                        return Err(IndexError::Duplicate { id: doc.id.clone() });
                    }
                    pending.flush(&mut t, run_min, &mut filter)?;
                    self.remove_one(&mut t, old, stream.as_deref_mut())?;
                    removed = true;
                }
                let d = next;
                next = next.checked_add(1).ok_or_else(|| {
                    IndexError::Store("the index holds 2^32 documents, its limit".into())
                })?;
                self.add_one(
                    &mut t,
                    d,
                    (doc, prep),
                    (stream.as_deref_mut(), peek, keep_all),
                    (&mut pending, filter.as_ref(), seed_filter.as_mut()),
                    &mut findings,
                )?;
            }
            pending.flush(&mut t, run_min, &mut filter)?;
            t.save_runs()?;
            t.meta.insert(META_NEXT, next.to_le_bytes().as_slice())?;
            if commit {
                // The texts are on disk before the transaction that points at them.
                if let Some(end) = t.view.text_store.commit()? {
                    t.meta
                        .insert(META_TEXTS_END, end.to_le_bytes().as_slice())?;
                }
                if let Some(s) = stream.as_deref() {
                    if self.checkpoint_due(s.len(), removed) {
                        save_stories(&mut t.meta, s)?;
                        saved = Some(s.len());
                    }
                }
            }
            findings
        };
        let total = txn.open_table(IDS)?.len()?;
        if commit {
            txn.commit()?;
            if let Some(n) = saved {
                self.stories_saved
                    .store(n, std::sync::atomic::Ordering::Release);
            }
        } else {
            txn.abort()?;
        }
        Ok(Added { findings, total })
    }

    fn print(&self, text: &str, fp: &mut reprint_text::Fingerprint) -> Print {
        let c = &self.components;
        c.shingler.fingerprint(text, fp);
        // Unsorted: only a document with candidates needs its set sorted.
        let set: Vec<u32> = fp.shingles.iter().map(|&h| h as u32).collect();
        let mut keys = Vec::new();
        if !fp.shingles.is_empty() {
            let mut sig = vec![0u32; c.sketcher.slots()];
            c.sketcher.sign_into(&fp.shingles, &mut sig);
            keys = vec![0u32; c.lsh.bands];
            c.lsh.band_keys(&sig, &mut keys);
        }
        Print {
            exact: fp.exact,
            tokens: fp.tokens.min(u32::MAX as usize) as u32,
            set,
            keys,
        }
    }

    fn prepare(
        &self,
        doc: &NewDoc,
        packer: &mut Packer,
        fp: &mut reprint_text::Fingerprint,
    ) -> Prepared {
        let toks = self.cfg.reuse.as_ref().map(|_| DocTokens::of(&doc.text));
        let seeds = match (&toks, &self.cfg.reuse) {
            (Some(t), Some(rc)) => t.seeds(rc.seed_n),
            _ => Vec::new(),
        };
        Prepared {
            print: self.print(&doc.text, fp),
            packed: packer.pack(&doc.text),
            toks,
            seeds,
        }
    }

    /// The sorted distinct shingle set of a text.
    fn set_of(&self, text: &str) -> Vec<u32> {
        let mut fp = reprint_text::Fingerprint::default();
        self.components.shingler.fingerprint(text, &mut fp);
        reprint_dedup::shingle_set(&fp.shingles)
    }

    fn add_one(
        &self,
        t: &mut Tables<'_>,
        d: u32,
        (doc, prep): (&NewDoc, Prepared),
        (stream, peek, keep_all): (Option<&mut StoryStream>, bool, bool),
        (pending, filter, mut seed_filter): (
            &mut PendingBands,
            Option<&BandFilter>,
            Option<&mut BandFilter>,
        ),
        out: &mut Vec<Finding>,
    ) -> Result<(), IndexError> {
        let p = prep.print;
        let date = doc
            .date
            .as_deref()
            .and_then(reprint_text::date::parse_iso_date)
            .or_else(|| reprint_text::date::header_date(&doc.text));
        let reuse = self.cfg.reuse.as_ref();
        let toks = prep.toks;
        // Stories first: the document's story is part of what is stored.
        let story = match stream {
            Some(s) => {
                let sd = StoryDoc {
                    text: &doc.text,
                    title: doc.title.as_deref(),
                    date: doc.date.as_deref(),
                    mask: &[],
                    embedding: None,
                    id: None,
                };
                let (a, when) = if peek { s.peek(&sd) } else { s.push_dated(&sd) };
                if !peek && a.doc != d {
                    return Err(IndexError::Corrupted {
                        detail: format!("the story state has {} documents, the store {d}", a.doc),
                    });
                }
                // A dry run shows the story it would join, as it stands.
                let story = if peek && a.started {
                    None
                } else {
                    s.story(a.story)
                };
                Some((a, when, story))
            }
            None => None,
        };
        let day = match &story {
            Some((_, when, _)) => when.map(|w| w.days),
            None if reuse.is_some() => {
                reprint_stories::dates::doc_date(doc.date.as_deref(), &doc.text, None)
                    .map(|w| w.days)
            }
            None => None,
        };
        // Duplicates: a copy joins its group; a first copy is verified against its
        // candidates and enters the buckets.
        // A document that joins no group and pairs with nothing has no cluster to look up.
        let mut alone = true;
        // Distinct shingles: counted only when something will report them (a copy's exact
        // pairs, a verified pair); 0 otherwise, and a later copy counts its own.
        let mut shingles = 0;
        if p.tokens > 0 {
            let group = postings(&t.view.exact, p.exact)?;
            t.view.exact.insert((p.exact, d), ())?;
            alone = group.is_empty();
            if !group.is_empty() {
                shingles = reprint_dedup::distinct_count(&p.set, &mut Vec::new());
            }
            if group.is_empty() && !p.keys.is_empty() {
                let cands =
                    self.candidates((&t.bands, &t.runs.tables), pending, filter, &p.keys)?;
                let th = self.components.dedup.threshold;
                let mine = if cands.is_empty() {
                    Vec::new()
                } else {
                    let mut v = p.set.clone();
                    v.sort_unstable();
                    v.dedup();
                    shingles = v.len() as u32;
                    v
                };
                for c in cands {
                    let cset = self.set_of(&t.view.text(c)?);
                    let o = Overlap::of(&cset, &mine);
                    if o.jaccard() >= th {
                        t.view
                            .pairs
                            .insert((c, d), pair_value(c, d, (o.shared, o.a, o.b)))?;
                        t.view.pairs_by_b.insert((d, c), ())?;
                        alone = false;
                    }
                }
                if keep_all {
                    for (band, &k) in p.keys.iter().enumerate() {
                        pending.push(band_key(band, k), d);
                    }
                }
            }
        }
        let meta = DocMeta {
            id: doc.id.clone(),
            exact: p.exact,
            tokens: p.tokens,
            shingles,
            date,
            day,
            key: toks.as_ref().map_or(0, |k| k.key),
            title: doc.title.clone(),
            meta_date: doc.date.clone(),
            story: story.as_ref().map(|(a, ..)| (a.story, a.score, a.started)),
            series: doc.series.clone(),
        };
        if keep_all {
            t.ids.insert(doc.id.as_str(), d)?;
        }
        t.view.docs.insert(d, meta.encode().as_slice())?;
        if keep_all {
            let stored = t.view.text_store.store(d, &prep.packed);
            t.view.texts.insert(d, &*stored)?;
        }

        let keep = self.cfg.dedup.keep;
        let listing = self.cfg.dedup.dedup_config();
        let cluster = if alone {
            None
        } else {
            t.view.cluster_of(&meta, keep)?
        };
        let id_of = |x: u32| -> Result<String, IndexError> {
            if x == d {
                Ok(doc.id.clone())
            } else {
                Ok(t.view.meta(x)?.id)
            }
        };
        let mut names: BTreeMap<u32, String> = BTreeMap::new();
        let mut name = |x: u32| -> Result<String, IndexError> {
            if let Some(n) = names.get(&x) {
                return Ok(n.clone());
            }
            let n = id_of(x)?;
            names.insert(x, n.clone());
            Ok(n)
        };
        let pairs = if alone {
            Vec::new()
        } else {
            t.view.pairs_of(d, &meta, &listing)?
        };
        duplicate_records(&doc.id, d, &pairs, cluster.as_ref(), &mut name, out)?;

        // Reuse: candidates from shared seeds, aligned with their stored texts.
        if let (Some(rc), Some(toks)) = (reuse, &toks) {
            let seeds = prep.seeds;
            let cands =
                self.reuse_candidates(&t.seeds, seed_filter.as_deref(), &seeds, toks.key, d, rc)?;
            if keep_all {
                for &s in &seeds {
                    t.seeds
                        .insert(seed_posting(seed32(s), key32(toks.key), d), ())?;
                    if let Some(f) = seed_filter.as_deref_mut() {
                        f.insert(seed32(s) as u64);
                    }
                }
            }
            let mut texts: BTreeMap<u32, String> = BTreeMap::new();
            let mut als: Vec<Alignment> = Vec::new();
            for c in cands {
                if rc.skip_same_series
                    && doc.series.is_some()
                    && t.view.meta(c)?.series == doc.series
                {
                    continue;
                }
                let ct = t.view.text(c)?;
                let ctok = DocTokens::of(&ct);
                als.extend(align_docs((c, &ct, &ctok), (d, &doc.text, toks), rc));
                texts.insert(c, ct);
            }
            texts.insert(d, doc.text.clone());
            self.reuse_records(
                &mut als,
                &texts,
                &mut name,
                |x| {
                    if x == d {
                        Ok(day)
                    } else {
                        t.view.meta(x).map(|m| m.day)
                    }
                },
                out,
            )?;
        }

        if let Some((a, when, st)) = story {
            if let Some(mut st) = st {
                if peek {
                    // A dry run: the story as it stands, with this document among its
                    // members and dates (its label is the story's before the document).
                    st.members.push(d);
                    if let Some(w) = when.map(|w| w.days) {
                        st.first_seen = Some(st.first_seen.map_or(w, |f| f.min(w)));
                        st.last_seen = Some(st.last_seen.map_or(w, |l| l.max(w)));
                    }
                }
                let mut members = Vec::new();
                for &m in &st.members {
                    if let Ok(n) = name(m) {
                        members.push(n);
                    }
                }
                let mut rec = findings::story_record(
                    &st,
                    |_| String::new(),
                    |x| {
                        if x == d {
                            doc.title.clone()
                        } else {
                            t.view.meta(x).ok().and_then(|m| m.title)
                        }
                    },
                );
                rec.members = members;
                rec.size = rec.members.len() as u64;
                out.push(Finding::Story(rec));
            }
            out.push(Finding::StoryAssignment(findings::assignment_record(
                &a,
                when.as_ref(),
                |_| doc.id.clone(),
            )));
        }
        Ok(())
    }

    /// Alignments of a document turned into records, grouped into passages (numbered from
    /// 0 in this answer).
    pub(crate) fn reuse_records(
        &self,
        als: &mut [Alignment],
        texts: &BTreeMap<u32, String>,
        mut name: impl FnMut(u32) -> Result<String, IndexError>,
        mut day: impl FnMut(u32) -> Result<Option<i64>, IndexError>,
        out: &mut Vec<Finding>,
    ) -> Result<(), IndexError> {
        if als.is_empty() {
            return Ok(());
        }
        let rc = self.cfg.reuse.as_ref().expect("reuse level");
        // Local numbering for grouping: the documents involved, ascending.
        let local: Vec<u32> = texts.keys().copied().collect();
        let at = |x: u32| local.binary_search(&x).expect("involved document") as u32;
        for a in als.iter_mut() {
            a.a = at(a.a);
            a.b = at(a.b);
        }
        let mut days = Vec::with_capacity(local.len());
        for &x in &local {
            days.push(day(x)?);
        }
        let refs: Vec<DocRef> = local
            .iter()
            .zip(&days)
            .map(|(x, &date)| DocRef {
                text: &texts[x],
                date,
                series: None,
            })
            .collect();
        let passages = group_passages(als, &refs, rc);
        let mut names = Vec::with_capacity(local.len());
        for &x in &local {
            names.push(name(x)?);
        }
        let id = |i: u32| names[i as usize].clone();
        let text = |i: u32| std::borrow::Cow::Borrowed(texts[&local[i as usize]].as_str());
        for a in als.iter() {
            out.push(Finding::Alignment(findings::alignment_record(a, id, text)));
        }
        for p in &passages {
            out.push(Finding::Passage(findings::passage_record(p, id, text)));
        }
        Ok(())
    }

    /// Removes documents by id in one transaction: their pairs, passage postings and story
    /// membership go; a copy takes the place of a removed first copy. Unknown ids are an
    /// error and nothing is removed.
    pub fn remove(&self, ids: &[String]) -> Result<u64, IndexError> {
        let mut guard = self.stories.lock().unwrap_or_else(|p| p.into_inner());
        let result = catch(|| {
            let txn = self.db.begin_write()?;
            {
                let mut t = Tables::open(&txn, self.components.lsh.bands, self.log.as_ref())?;
                for id in ids {
                    let d = t
                        .ids
                        .get(id.as_str())?
                        .map(|v| v.value())
                        .ok_or_else(|| IndexError::Missing { id: id.clone() })?;
                    self.remove_one(&mut t, d, guard.as_mut())?;
                }
                t.save_runs()?;
                if let Some(s) = guard.as_ref() {
                    save_stories(&mut t.meta, s)?;
                }
            }
            let total = txn.open_table(IDS)?.len()?;
            txn.commit()?;
            if let Some(s) = guard.as_ref() {
                self.stories_saved
                    .store(s.len(), std::sync::atomic::Ordering::Release);
            }
            Ok(total)
        });
        if result.is_err() {
            *guard = self.load_stories()?;
        }
        result
    }

    fn remove_one(
        &self,
        t: &mut Tables<'_>,
        d: u32,
        stream: Option<&mut StoryStream>,
    ) -> Result<(), IndexError> {
        let m = t.view.meta(d)?;
        let text = t.view.text(d)?;
        let group = t.view.group(&m)?;
        t.ids.remove(m.id.as_str())?;
        if m.tokens > 0 {
            t.view.exact.remove((m.exact, d))?;
        }
        if group.first() == Some(&d) {
            let p = self.print(&text, &mut reprint_text::Fingerprint::default());
            let partners = t.view.near(d)?;
            for (x, ..) in &partners {
                let (a, b) = (d.min(*x), d.max(*x));
                t.view.pairs.remove((a, b))?;
                t.view.pairs_by_b.remove((b, a))?;
            }
            for (band, &k) in p.keys.iter().enumerate() {
                if t.bands[band].remove((k, d))?.is_none() {
                    t.runs.remove(band_key(band, k), d)?;
                }
            }
            // The next copy stands for the group now: same text, same buckets and pairs.
            if let Some(&f) = group.get(1) {
                for (band, &k) in p.keys.iter().enumerate() {
                    t.bands[band].insert((k, f), ())?;
                }
                for (x, shared, mine, theirs) in partners {
                    let (a, b, o) = if f < x {
                        (f, x, (shared, mine, theirs))
                    } else {
                        (x, f, (shared, theirs, mine))
                    };
                    t.view.pairs.insert((a, b), pair_value(a, b, o))?;
                    t.view.pairs_by_b.insert((b, a), ())?;
                }
            }
        }
        if let Some(rc) = &self.cfg.reuse {
            let toks = DocTokens::of(&text);
            for s in toks.seeds(rc.seed_n) {
                t.seeds.remove(seed_posting(seed32(s), key32(m.key), d))?;
            }
        }
        if let (Some(s), Some((story, ..))) = (stream, m.story) {
            s.forget(d, story);
        }
        t.view.docs.remove(d)?;
        t.view.texts.remove(d)?;
        Ok(())
    }
}

/// A document's `document` record, its `pair` records and its `cluster` record.
pub(crate) fn duplicate_records(
    id: &str,
    d: u32,
    pairs: &[reprint_dedup::Pair],
    cluster: Option<&view::ClusterOf>,
    name: &mut impl FnMut(u32) -> Result<String, IndexError>,
    out: &mut Vec<Finding>,
) -> Result<(), IndexError> {
    out.push(Finding::Document(DocumentRecord {
        id: id.to_string(),
        cluster: cluster.map(|c| c.members[0]),
        keep: cluster.is_none_or(|c| c.representative == d),
        duplicate_of: match cluster {
            Some(c) if c.representative != d => Some(name(c.representative)?),
            _ => None,
        },
    }));
    for pr in pairs {
        let (a, b) = (name(pr.a)?, name(pr.b)?);
        out.push(Finding::Pair(findings::pair_record(pr, |x| {
            if x == pr.a {
                a.clone()
            } else {
                b.clone()
            }
        })));
    }
    if let Some(c) = cluster {
        let members: Vec<String> = c
            .members
            .iter()
            .map(|&m| name(m))
            .collect::<Result<_, _>>()?;
        out.push(Finding::Cluster(ClusterRecord {
            id: c.members[0],
            size: members.len() as u64,
            members,
            representative: name(c.representative)?,
        }));
    }
    Ok(())
}
