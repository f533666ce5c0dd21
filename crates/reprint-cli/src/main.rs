//! `reprint`: the command line. Glue only: parse arguments, build the components, run the
//! pipeline, write the findings.

mod args;
mod example;
mod output;
mod pipeline;
mod report;
mod reuse;
mod stories;

use anyhow::{bail, Context, Result};
use args::{Cli, Command, DedupOptions, InputArgs, OutputArgs, ReuseOptions, StoriesOptions};
use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use reprint_dedup::{DedupConfig, KeepPolicy};
use reprint_io::write::{FindingsWriter, OutputFormat};
use reprint_io::{InputConfig, InputFormat, Inputs, ReadError, Record};
use reprint_sketch::{LshParams, SketchConfig, SketchKind, Sketcher};
use reprint_text::{ShingleConfig, ShingleUnit, Shingler};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Most bands the default banding may use: 8 bytes per band per document keeps the
/// resident index under 200 bytes per document.
const MAX_BANDS: usize = 24;

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Dedup(a) => run(Job {
            inputs: a.inputs,
            input: a.input,
            dedup: a.dedup,
            reuse: None,
            stories: None,
            out: a.output,
            bundled: false,
            write_dedup: true,
            report: None,
        }),
        Command::Reuse(a) => run(Job {
            inputs: a.inputs,
            input: a.input,
            dedup: DedupOptions::defaults(),
            reuse: Some(a.reuse),
            stories: None,
            out: a.output,
            bundled: false,
            write_dedup: false,
            report: None,
        }),
        Command::Stories(a) => run(Job {
            inputs: a.inputs,
            input: a.input,
            dedup: DedupOptions::defaults(),
            reuse: None,
            stories: Some(a.stories),
            out: a.output,
            bundled: false,
            write_dedup: false,
            report: None,
        }),
        Command::Analyze(a) => run(Job {
            report: (!a.no_report).then(|| {
                a.report.clone().unwrap_or_else(|| match &a.output.output {
                    Some(o) => o.with_extension("html"),
                    None => PathBuf::from("reprint-report.html"),
                })
            }),
            bundled: a.inputs.is_empty(),
            inputs: a.inputs,
            input: a.input,
            dedup: a.dedup,
            reuse: Some(a.reuse),
            stories: Some(a.stories),
            out: a.output,
            write_dedup: true,
        }),
    };
    if let Err(e) = result {
        if is_broken_pipe(&e) {
            std::process::exit(0);
        }
        eprintln!("reprint: error: {e:#}");
        std::process::exit(1);
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<reprint_io::write::WriteError>()
                .is_some_and(|w| w.is_broken_pipe())
    })
}

/// One run of the pipeline: which stages, on what, written where.
struct Job {
    inputs: Vec<PathBuf>,
    input: InputArgs,
    dedup: DedupOptions,
    /// Run the reuse stage with these options.
    reuse: Option<ReuseOptions>,
    /// Run the stories stage with these options.
    stories: Option<StoriesOptions>,
    out: OutputArgs,
    /// Run on the bundled example instead of `inputs`.
    bundled: bool,
    /// Write the duplicate records (documents, pairs, clusters).
    write_dedup: bool,
    /// Write the HTML report here.
    report: Option<PathBuf>,
}

fn settings(input: &InputArgs, opts: &DedupOptions) -> Result<pipeline::Settings> {
    if !(opts.threshold > 0.0 && opts.threshold <= 1.0) {
        bail!("--threshold must be in (0, 1], got {}", opts.threshold);
    }
    if let Some(c) = opts.containment {
        if !(c > 0.0 && c <= 1.0) {
            bail!("--containment must be in (0, 1], got {c}");
        }
    }
    let shingler = Shingler::new(ShingleConfig {
        n: opts.shingle_size,
        unit: match opts.shingle_unit {
            args::Unit::Word => ShingleUnit::Word,
            args::Unit::Char => ShingleUnit::Char,
        },
    })?;
    let sketcher = Sketcher::new(SketchConfig {
        slots: opts.slots,
        kind: match opts.sketch {
            args::Sketch::Oph => SketchKind::OnePermutation,
            args::Sketch::Minhash => SketchKind::MinHash,
        },
        ..Default::default()
    })?;
    let lsh = match (opts.bands, opts.rows) {
        (Some(b), Some(r)) => LshParams::new(b, r, opts.slots)?,
        _ => LshParams::for_threshold(opts.threshold, opts.slots, MAX_BANDS, 0.005)?,
    };
    if opts.max_bucket < 2 {
        bail!("--max-bucket must be at least 2");
    }
    Ok(pipeline::Settings {
        shingler,
        sketcher,
        lsh,
        dedup: DedupConfig {
            threshold: opts.threshold,
            containment: opts.containment,
            keep: match opts.keep {
                args::Keep::First => KeepPolicy::First,
                args::Keep::Longest => KeepPolicy::Longest,
                args::Keep::Earliest => KeepPolicy::Earliest,
            },
            max_bucket: opts.max_bucket,
            ..Default::default()
        },
        date_field: input.date_field.clone(),
        skip_bad: input.on_error == args::OnError::Skip,
        memory_bytes: opts.memory_mib << 20,
        spill_dir: opts.spill_dir.clone(),
        input: input_config(input),
        keep_texts: false,
        embedding_field: None,
    })
}

fn input_config(input: &InputArgs) -> InputConfig {
    InputConfig {
        format: match input.input_format {
            args::Format::Auto => InputFormat::Auto,
            args::Format::Jsonl => InputFormat::Jsonl,
            args::Format::Txt => InputFormat::Txt,
            args::Format::Csv => InputFormat::Csv,
            args::Format::Parquet => InputFormat::Parquet,
        },
        id_field: input.id_field.clone(),
        text_field: input.text_field.clone(),
        max_record_bytes: input.max_record_mib << 20,
        keep_raw: false,
        defer_json: true,
        meta_fields: None,
    }
}

fn run(job: Job) -> Result<()> {
    let Job {
        inputs,
        input,
        dedup: opts,
        reuse: reuse_opts,
        stories: stories_opts,
        out,
        bundled,
        write_dedup,
        report,
    } = job;
    let start = Instant::now();
    let mut settings = settings(&input, &opts)?;
    let reuse_cfg = reuse_opts.as_ref().map(reuse::config).transpose()?;
    let stories_cfg = stories_opts.as_ref().map(stories::config).transpose()?;
    settings.keep_texts = reuse_cfg.is_some() || stories_cfg.is_some();
    settings.embedding_field = stories_opts
        .as_ref()
        .and_then(|o| o.embedding_field.clone());
    let threads = out.threads.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    if threads == 0 {
        bail!("--threads must be at least 1");
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .context("cannot start the thread pool")?;
    if bundled && out.write_kept.is_some() {
        bail!("--write-kept needs input files; the bundled example is built in");
    }
    let format = match out.format {
        args::OutFormat::Jsonl => OutputFormat::Jsonl,
        args::OutFormat::Csv => OutputFormat::Csv,
        args::OutFormat::Parquet => OutputFormat::Parquet,
    };
    // Open the output first: a bad path fails before the work, not after.
    let mut writer = FindingsWriter::create(format, out.output.as_deref())?;
    output::declare(&mut writer);
    reuse::declare(&mut writer);
    stories::declare(&mut writer);

    let bar = progress_bar(out.quiet);
    let warned = AtomicU64::new(0);
    let warn = |e: &ReadError| {
        if out.quiet {
            return;
        }
        let n = warned.fetch_add(1, Ordering::Relaxed);
        if n < 20 {
            bar.suspend(|| eprintln!("reprint: warning: skipped {e}"));
        } else if n == 20 {
            bar.suspend(|| {
                eprintln!("reprint: warning: more bad records skipped; the summary counts them")
            });
        }
    };
    let progress = |docs: u64, bytes: u64| {
        bar.set_position(docs);
        let mb = bytes as f64 / 1e6;
        let secs = bar.elapsed().as_secs_f64().max(1e-3);
        bar.set_message(format!("{mb:.1} MB read, {:.0} MB/s", mb / secs));
    };
    // After the first pass the line names each later phase instead of counting documents.
    let phase = |msg: &str| {
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("template"),
        );
        bar.set_message(msg.to_string());
    };
    // With several threads, JSON lines are parsed on the pool rather than the reading
    // thread; on one thread that only adds a copy.
    // Only the metadata some stage reads is kept.
    let mut meta_fields = vec![settings.date_field.clone(), "title".to_string()];
    meta_fields.extend(settings.embedding_field.clone());
    let cfg = InputConfig {
        defer_json: threads > 1,
        meta_fields: Some(meta_fields),
        ..input_config(&input)
    };
    settings.input = cfg.clone();
    let outcome = if bundled {
        let recs: Vec<Result<Record, ReadError>> = example::records().into_iter().map(Ok).collect();
        pipeline::run(
            recs.into_iter(),
            &settings,
            threads,
            &progress,
            &phase,
            &warn,
        )?
    } else {
        let records = Inputs::open(&inputs, &cfg)?;
        pipeline::run(records, &settings, threads, &progress, &phase, &warn)?
    };

    let t = Instant::now();
    // Dates for source attribution and stories: metadata, header lines, datelines.
    let dates = if settings.keep_texts {
        stories::dates(&outcome.docs)
    } else {
        Vec::new()
    };
    let days: Vec<Option<i64>> = dates.iter().map(|d| d.as_ref().map(|d| d.days)).collect();
    let reuse_result = match &reuse_cfg {
        Some(cfg) => {
            phase("aligning reused passages");
            Some(reuse::run(&outcome.docs, &days, cfg)?)
        }
        None => None,
    };
    let seconds_reuse = t.elapsed().as_secs_f64();
    let t = Instant::now();
    if stories_cfg.is_some() {
        phase("grouping documents into stories");
    }
    let stories_result = match &stories_cfg {
        Some(cfg) => Some(stories::run(
            &outcome.docs,
            &dates,
            reuse_result.as_ref(),
            cfg,
            stories_opts.as_ref().is_some_and(|o| o.stream),
        )?),
        None => None,
    };
    let seconds_stories = t.elapsed().as_secs_f64();
    let t = Instant::now();
    phase("writing findings");
    if write_dedup {
        output::write_findings(&mut writer, &outcome, !out.no_documents)?;
    }
    if let Some(r) = &reuse_result {
        reuse::write(&mut writer, &outcome.docs, r)?;
    }
    if let Some(r) = &stories_result {
        stories::write(&mut writer, &outcome.docs, &dates, r)?;
    }
    let mut kept_written = None;
    if let Some(path) = &out.write_kept {
        let r = &outcome.result;
        let keep = |i: usize| r.keep(i as u32);
        kept_written = Some(reprint_io::write_kept(&inputs, &cfg, &keep, path)?);
    }
    let mut report_bytes = None;
    if let Some(path) = &report {
        phase("writing the HTML report");
        let title = if bundled {
            "reprint: examples/news".to_string()
        } else {
            format!(
                "reprint: {}",
                inputs
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let view = stories_result
            .as_ref()
            .map(|r| stories::view(&outcome.docs, r));
        let data = report::build(title, &outcome, &days, reuse_result.as_ref(), view.as_ref());
        report_bytes = Some(
            reprint_report::write(&data, path)
                .with_context(|| format!("cannot write the report to {}", path.display()))?,
        );
    }
    let total = start.elapsed().as_secs_f64();
    let summary = output::summary(
        &outcome,
        serde_json::json!({
            "inputs": if bundled { vec!["examples/news (bundled)".to_string()] } else { inputs.iter().map(|p| p.display().to_string()).collect() },
            "threshold": opts.threshold,
            "containment": opts.containment,
            "shingles": format!("{} {}-grams", match opts.shingle_unit { args::Unit::Word => "word", args::Unit::Char => "char" }, opts.shingle_size),
            "sketch": { "kind": match opts.sketch { args::Sketch::Oph => "one-permutation", args::Sketch::Minhash => "minhash" }, "slots": opts.slots },
            "lsh": { "bands": settings.lsh.bands, "rows": settings.lsh.rows, "recall_at_threshold": (settings.lsh.probability(opts.threshold) * 1e4).round() / 1e4 },
            "threads": threads,
            "kept_written": kept_written,
            "reuse": reuse_result.as_ref().map(reuse::summary),
            "stories": stories_result.as_ref().map(stories::summary),
            "report": report.as_ref().map(|p| serde_json::json!({"path": p.display().to_string(), "bytes": report_bytes})),
            "seconds": {
                "read_and_fingerprint": round3(outcome.seconds_fingerprint),
                "candidates_verify_cluster": round3(outcome.seconds_dedup),
                "candidates_verify_cluster_parts": {
                    "candidates": round3(outcome.seconds_dedup_parts[0]),
                    "candidate_sets": round3(outcome.seconds_dedup_parts[1]),
                    "verify_cluster": round3(outcome.seconds_dedup_parts[2]),
                },
                "reuse": reuse_result.as_ref().map(|_| round3(seconds_reuse)),
                "stories": stories_result.as_ref().map(|_| round3(seconds_stories)),
                "write": round3(t.elapsed().as_secs_f64()),
                "total": round3(total),
            },
            "mb_per_second": round3(outcome.bytes as f64 / 1e6 / total.max(1e-9)),
        }),
    );
    writer.write(&summary)?;
    writer.finish()?;
    bar.finish_and_clear();
    if !out.quiet {
        let reuse_note = reuse_result
            .as_ref()
            .map(|r| {
                format!(
                    ", {} reused passages ({} boilerplate)",
                    r.passages.len(),
                    r.passages.iter().filter(|p| p.boilerplate).count()
                )
            })
            .unwrap_or_default();
        let stories_note = stories_result
            .as_ref()
            .map(|r| format!(", {} stories", r.stories.len()))
            .unwrap_or_default();
        eprintln!(
            "reprint: {} documents ({:.1} MB), {} duplicate clusters, {} dropped as duplicates, {} pairs{reuse_note}{stories_note}, {} bad records skipped, {:.2} s",
            outcome.docs.len(),
            outcome.bytes as f64 / 1e6,
            outcome.result.clusters.len(),
            summary["dropped"],
            outcome.result.pairs.len(),
            outcome.skipped,
            total
        );
        if let Some(p) = &report {
            eprintln!("reprint: report written to {}", p.display());
        }
    }
    Ok(())
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    // indicatif draws only when standard error is a terminal: quiet when piped.
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {human_pos} documents, {msg} ({elapsed})")
            .expect("template"),
    );
    bar.set_message("0.0 MB read");
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}
