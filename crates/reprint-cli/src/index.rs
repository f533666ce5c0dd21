//! `reprint index …`: the persistent index on the command line.

use crate::args::{self, IndexCommand, IndexShape, Level};
use crate::progress::{group_digits, Progress};
use anyhow::{bail, Context, Result};
use reprint_engine::{Finding, Observer};
use reprint_index::{Index, NewDoc};
use reprint_io::write::{FindingsWriter, OutputFormat};
use reprint_io::Inputs;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

pub fn run(cmd: IndexCommand) -> Result<()> {
    match cmd {
        IndexCommand::Create(a) => {
            let index = create(&a.store, &a.create)?;
            println!("{}", serde_json::to_string(&index.stats()?)?);
            Ok(())
        }
        IndexCommand::Add(a) => add(a, true),
        IndexCommand::Query(a) => add(a, false),
        IndexCommand::Remove(a) => {
            let mut ids = a.ids.clone();
            if let Some(f) = &a.ids_file {
                let text = std::fs::read_to_string(f)
                    .with_context(|| format!("cannot read {}", f.display()))?;
                ids.extend(
                    text.lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(str::to_string),
                );
            }
            if ids.is_empty() {
                bail!("no id to remove: give ids or --ids-file");
            }
            let index = open(&a.store)?;
            let total = index.remove(&ids)?;
            println!(
                "{}",
                serde_json::json!({"type": "removed", "documents": ids.len(), "total": total})
            );
            Ok(())
        }
        IndexCommand::Check(a) => {
            let n = Index::check(&a.store)
                .with_context(|| format!("the index {} fails its check", a.store.display()))?;
            println!(
                "{}",
                serde_json::json!({"type": "checked", "documents": n, "ok": true})
            );
            Ok(())
        }
        IndexCommand::Compact(a) => {
            let done = open(&a.store)?.compact()?;
            let mut v = serde_json::to_value(&done)?;
            v["type"] = "compacted".into();
            println!("{v}");
            Ok(())
        }
        IndexCommand::Stats(a) => {
            let index = open(&a.store)?;
            println!("{}", serde_json::to_string(&index.stats()?)?);
            Ok(())
        }
        IndexCommand::Get(a) => {
            let index = open(&a.store)?;
            match index.get(&a.id)? {
                Some(found) => {
                    let mut out = std::io::stdout().lock();
                    for f in found {
                        serde_json::to_writer(&mut out, &f)?;
                        out.write_all(b"\n")?;
                    }
                    Ok(())
                }
                None => bail!("document id {:?} is not in the index", a.id),
            }
        }
        IndexCommand::Export(a) => {
            let index = open(&a.store)?;
            let format = match a.format {
                args::OutFormat::Jsonl => OutputFormat::Jsonl,
                args::OutFormat::Csv => OutputFormat::Csv,
                args::OutFormat::Parquet => OutputFormat::Parquet,
            };
            let mut w = FindingsWriter::create(format, a.output.as_deref())?;
            reprint_engine::records::declare_tables(&mut w);
            let mut summary = index.export(&mut w)??;
            summary.insert(
                "index".into(),
                serde_json::json!(a.store.display().to_string()),
            );
            w.write(&Finding::Summary(summary))?;
            w.finish()?;
            Ok(())
        }
    }
}

/// The configuration `index create` (and `serve --create`) asks for.
fn create_config(opts: &args::CreateOptions) -> Result<reprint_engine::Config> {
    let reuse = opts.levels.contains(&Level::Reuse).then_some(&opts.reuse);
    let stories = opts
        .levels
        .contains(&Level::Stories)
        .then_some(&opts.stories);
    let input = args::InputArgs {
        date_field: Some(opts.date_field.clone()),
        ..input_defaults()
    };
    let cfg = crate::config(&input, &opts.dedup, reuse, stories);
    cfg.validate()
        .map_err(|e| crate::explain(reprint_engine::EngineError::Config(e)))?;
    Ok(cfg)
}

fn create(store: &Path, opts: &args::CreateOptions) -> Result<Index> {
    let cfg = create_config(opts)?;
    Index::create(store, &cfg)
        .map_err(|e| match e {
            // A setting the index refuses is named by its flag.
            reprint_index::IndexError::Config(c) => {
                crate::explain(reprint_engine::EngineError::Config(c))
            }
            other => other.into(),
        })
        .with_context(|| format!("cannot create the index {}", store.display()))
}

/// `reprint serve`: opens (or creates) the index and serves it until SIGINT or SIGTERM.
pub fn serve(a: args::ServeArgs) -> Result<()> {
    let fresh = std::fs::read_dir(&a.store).map_or(true, |mut d| d.next().is_none());
    let cache = a.cache_mib.max(1).saturating_mul(1 << 20);
    if a.create && fresh {
        // Created, closed, then opened below with the server's cache.
        drop(create(&a.store, &a.settings)?);
    }
    let index = {
        let index = Index::open_with_cache(&a.store, cache)
            .with_context(|| format!("cannot open the index {}", a.store.display()))?;
        if a.create {
            index
                .check_settings(&create_config(&a.settings)?)
                .with_context(|| format!("the index {} has other settings", a.store.display()))?;
        }
        index
    };
    let token = match &a.token_file {
        Some(f) => {
            let t = std::fs::read_to_string(f)
                .with_context(|| format!("cannot read the token file {}", f.display()))?;
            let t = t.trim().to_string();
            if t.is_empty() {
                bail!("the token file {} is empty", f.display());
            }
            Some(t)
        }
        None => std::env::var("REPRINT_TOKEN")
            .ok()
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty()),
    };
    if token.is_none() {
        eprintln!(
            "reprint serve: no token (--token-file or REPRINT_TOKEN): the server is read-only"
        );
    }
    let documents = index.len()?;
    let opts = reprint_serve::Options {
        listen: a.listen,
        token,
        auth_reads: a.auth_reads,
        max_body_bytes: a.max_body_mib.saturating_mul(1 << 20),
        max_batch: a.max_batch,
        timeout: std::time::Duration::from_secs(a.timeout_secs),
        page_documents: a.page_documents,
        ..Default::default()
    };
    let store = a.store.display().to_string();
    reprint_serve::run(index, opts, |addr| {
        // One JSON line on stdout (scripts wait for it), a sentence on stderr.
        println!(
            "{}",
            serde_json::json!({"type": "listening", "url": format!("http://{addr}"), "store": store, "documents": documents})
        );
        let _ = std::io::stdout().flush();
        eprintln!(
            "reprint serve: {store} ({documents} documents) on http://{addr}/ — Ctrl-C stops"
        );
    })?;
    eprintln!("reprint serve: stopped; the store is closed");
    Ok(())
}

fn open(store: &Path) -> Result<Index> {
    Index::open(store).with_context(|| format!("cannot open the index {}", store.display()))
}

fn input_defaults() -> args::InputArgs {
    use clap::Parser;
    #[derive(Parser)]
    struct Wrap {
        #[command(flatten)]
        i: args::InputArgs,
    }
    Wrap::parse_from(["reprint"]).i
}

/// The index's settings with the ones this call states; they must agree.
fn check_shape(index: &Index, shape: &IndexShape) -> Result<()> {
    let mut asked = index.config().clone();
    if let Some(t) = shape.threshold {
        asked.dedup.threshold = t;
    }
    if let Some(n) = shape.shingle_size {
        asked.dedup.shingle_size = n;
    }
    if let Some(u) = shape.shingle_unit {
        asked.dedup.shingle_unit = match u {
            args::Unit::Word => reprint_text::ShingleUnit::Word,
            args::Unit::Char => reprint_text::ShingleUnit::Char,
        };
    }
    if let Some(s) = shape.slots {
        asked.dedup.slots = s;
    }
    if let Some(k) = shape.keep {
        asked.dedup.keep = match k {
            args::Keep::First => reprint_dedup::KeepPolicy::First,
            args::Keep::Longest => reprint_dedup::KeepPolicy::Longest,
            args::Keep::Earliest => reprint_dedup::KeepPolicy::Earliest,
        };
    }
    index.check_settings(&asked)?;
    Ok(())
}

/// `add` (commit = true) or `query`: reads the inputs as `analyze` does, in batches.
fn add(a: args::IndexAddArgs, commit: bool) -> Result<()> {
    if a.batch == 0 {
        bail!("--batch must be at least 1");
    }
    let start = Instant::now();
    let index = open(&a.store)?;
    check_shape(&index, &a.shape)?;
    // These inputs may name their date field otherwise than the index's default.
    let date_field = a
        .input
        .date_field
        .clone()
        .unwrap_or_else(|| index.config().date_field.clone());
    // The series field is the index's own: reuse within a series is judged as it was.
    let series_field = index.config().series_field.clone();
    let mut input = crate::input_config(&a.input);
    input.defer_json = false;
    input.meta_fields = Some(
        [
            Some(date_field.clone()),
            Some("title".into()),
            series_field.clone(),
        ]
        .into_iter()
        .flatten()
        .collect(),
    );
    let skip = a.input.on_error == args::OnError::Skip;
    if let Some(o) = &a.output {
        let mut inputs = a.inputs.clone();
        inputs.push(a.store.clone());
        reprint_io::safe::check_outputs(&inputs, &[o.as_path()])?;
    }
    // Streamed, not renamed into place: what was printed for a committed batch stays.
    let mut out: Box<dyn Write> = match &a.output {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot write {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    let progress = Progress::new(a.quiet);
    let records = Inputs::open(&a.inputs, &input).map_err(crate::read_hint)?;
    progress.follow(records.progress());
    let (mut docs, mut bytes, mut skipped) = (0u64, 0u64, 0u64);
    let mut batch: Vec<NewDoc> = Vec::with_capacity(a.batch);
    let flush = |batch: &mut Vec<NewDoc>, out: &mut Box<dyn Write>| -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let added = if commit {
            index.add(batch, a.replace)?
        } else {
            index.query(batch)?
        };
        for f in &added.findings {
            serde_json::to_writer(&mut *out, f)?;
            out.write_all(b"\n")?;
        }
        if commit {
            // Printed only once the batch is durable.
            let c = Finding::Committed(reprint_engine::records::CommittedRecord {
                documents: batch.len() as u64,
                total: added.total,
            });
            serde_json::to_writer(&mut *out, &c)?;
            out.write_all(b"\n")?;
        }
        out.flush()?;
        batch.clear();
        Ok(())
    };
    for r in records {
        let r = match r {
            Ok(r) => r,
            Err(e) if e.is_record() && skip => {
                skipped += 1;
                progress.skipped(&e);
                continue;
            }
            Err(e) => return Err(crate::read_hint(e)),
        };
        docs += 1;
        bytes += r.text.len() as u64;
        batch.push(NewDoc::from_record(r, &date_field, series_field.as_deref()));
        if batch.len() >= a.batch {
            flush(&mut batch, &mut out)?;
            progress.progress(docs, bytes);
        }
    }
    flush(&mut batch, &mut out)?;
    progress.finish();
    if !a.quiet {
        let secs = start.elapsed().as_secs_f64();
        eprintln!(
            "reprint: {} {} documents ({:.1} MB) in {secs:.2} s ({} documents/s), {} bad records skipped; the index holds {}",
            if commit { "added" } else { "queried" },
            group_digits(docs),
            bytes as f64 / 1e6,
            group_digits((docs as f64 / secs.max(1e-9)).round() as u64),
            group_digits(skipped),
            group_digits(index.len()?)
        );
    }
    Ok(())
}
