//! `reprint`: the command line. Glue only: parse arguments, build the components, run the
//! pipeline, write the findings.

mod args;
mod example;
mod index;
mod progress;

use anyhow::{bail, Context, Result};
use args::{Cli, Command, DedupOptions, InputArgs, OutputArgs, ReuseOptions, StoriesOptions};
use clap::Parser;
use reprint_dedup::KeepPolicy;
use reprint_engine::{
    Config, DedupSettings, Engine, EngineError, Finding, OnError, StoriesSettings,
};
use reprint_io::write::{FindingsWriter, OutputFormat};
use reprint_io::{InputConfig, InputFormat, Inputs, ReadError, Record};
use reprint_reuse::ReuseConfig;
use reprint_sketch::SketchKind;
use reprint_stories::StoriesConfig;
use reprint_text::ShingleUnit;
use std::path::PathBuf;
use std::time::Instant;

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
            dedup: DedupOptions {
                memory: a.memory,
                ..DedupOptions::defaults()
            },
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
            dedup: DedupOptions {
                memory: a.memory,
                ..DedupOptions::defaults()
            },
            reuse: None,
            stories: Some(a.stories),
            out: a.output,
            bundled: false,
            write_dedup: false,
            report: None,
        }),
        Command::Index(c) => index::run(c),
        Command::Serve(a) => index::serve(a),
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
        eprintln!("reprint: error: {}", message(&e));
        std::process::exit(1);
    }
}

/// The error and its causes, each said once (an IO error often repeats its cause).
fn message(e: &anyhow::Error) -> String {
    let mut msg = String::new();
    for cause in e.chain() {
        let s = cause.to_string();
        if !msg.contains(&s) {
            if !msg.is_empty() {
                msg.push_str(": ");
            }
            msg.push_str(&s);
        }
    }
    msg
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

/// The engine's configuration from the command line.
pub(crate) fn config(
    input: &InputArgs,
    opts: &DedupOptions,
    reuse: Option<&ReuseOptions>,
    stories: Option<&StoriesOptions>,
) -> Config {
    Config {
        dedup: DedupSettings {
            threshold: opts.threshold,
            containment: opts.containment,
            keep: match opts.keep {
                args::Keep::First => KeepPolicy::First,
                args::Keep::Longest => KeepPolicy::Longest,
                args::Keep::Earliest => KeepPolicy::Earliest,
            },
            shingle_size: opts.shingle_size,
            shingle_unit: match opts.shingle_unit {
                args::Unit::Word => ShingleUnit::Word,
                args::Unit::Char => ShingleUnit::Char,
            },
            slots: opts.slots,
            sketch: match opts.sketch {
                args::Sketch::Oph => SketchKind::OnePermutation,
                args::Sketch::Minhash => SketchKind::MinHash,
            },
            banding: opts.bands.zip(opts.rows),
            max_bucket: opts.max_bucket,
            all_pairs: opts.all_pairs,
        },
        report_duplicates: true,
        reuse: reuse.map(|o| ReuseConfig {
            seed_n: o.seed_words,
            max_df: o.max_df,
            min_words: o.min_words,
            max_gap: o.max_gap,
            min_identity: o.min_identity,
            boilerplate_min_docs: o.boilerplate_docs,
            skip_same_series: o.skip_same_series,
            ..ReuseConfig::default()
        }),
        series_field: reuse.and_then(|o| o.series_field.clone()),
        stories: stories.map(|o| StoriesSettings {
            config: {
                let d = StoriesConfig::default();
                StoriesConfig {
                    join_threshold: o
                        .join_threshold
                        .filter(|_| o.stream)
                        .unwrap_or(d.join_threshold),
                    link_threshold: o
                        .join_threshold
                        .filter(|_| !o.stream)
                        .unwrap_or(d.link_threshold),
                    half_life_days: o.half_life_days,
                    window_days: o.window_days,
                    embedding_weight: o.embedding_weight,
                    ..d
                }
            },
            stream: o.stream,
            embedding_field: o.embedding_field.clone(),
            model: o.model.clone(),
        }),
        date_field: input
            .date_field
            .clone()
            .unwrap_or_else(|| Config::default().date_field),
        on_error: match input.on_error {
            args::OnError::Fail => OnError::Fail,
            args::OnError::Skip => OnError::Skip,
        },
        memory_bytes: opts.memory.memory_mib << 20,
        spill_dir: opts.memory.spill_dir.clone(),
        threads: reprint_engine::Threads::All,
    }
}

/// The command-line flag of a configuration field, for error messages.
fn flag(field: &str) -> String {
    let name = match field {
        "reuse.seed_n" => "seed-words",
        "reuse.boilerplate_min_docs" => "boilerplate-docs",
        "banding" => "bands/--rows",
        "slots" => "slots",
        // Batch and --stream thresholds are one flag.
        "link_threshold" | "join_threshold" => "join-threshold",
        other => other.strip_prefix("reuse.").unwrap_or(other),
    };
    format!("--{}", name.replace('_', "-"))
}

/// An engine error in CLI words: a bad setting names its flag, a bad record suggests
/// `--on-error skip`.
pub(crate) fn explain(e: EngineError) -> anyhow::Error {
    match e {
        EngineError::Config(c) => anyhow::anyhow!("{} {}", flag(c.field), c.reason),
        EngineError::Read(r) => read_hint(r),
        other => other.into(),
    }
}

/// A read error with the flags that address it.
pub(crate) fn read_hint(r: ReadError) -> anyhow::Error {
    let text = r.to_string();
    let fields = if text.contains("text field") || text.contains("no column") {
        "\n(--text-field and --id-field name the fields)"
    } else {
        ""
    };
    if r.is_record() {
        anyhow::anyhow!("{text}{fields}\n(use --on-error skip to skip bad records and count them)")
    } else {
        anyhow::anyhow!("{text}{fields}")
    }
}

pub(crate) fn input_config(input: &InputArgs) -> InputConfig {
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

/// Sets the global pool's size from `--threads`.
pub(crate) fn start_threads(threads: Option<usize>) -> Result<usize> {
    let threads = threads.unwrap_or_else(|| {
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
    Ok(threads)
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
    let mut cfg = config(&input, &opts, reuse_opts.as_ref(), stories_opts.as_ref());
    cfg.report_duplicates = write_dedup;
    start_threads(out.threads)?;
    let engine = Engine::new(cfg).map_err(explain)?;
    if bundled && out.write_kept.is_some() {
        bail!("--write-kept needs input files; the bundled example is built in");
    }
    let format = match out.format {
        args::OutFormat::Jsonl => OutputFormat::Jsonl,
        args::OutFormat::Csv => OutputFormat::Csv,
        args::OutFormat::Parquet => OutputFormat::Parquet,
    };
    // Open the output first: a bad path fails before the work, not after.
    let mut writer =
        FindingsWriter::create(format, out.output.as_deref()).map_err(|e| match e {
            reprint_io::write::WriteError::NeedsPath(f) => {
                anyhow::anyhow!(
                    "--format {f} writes one file per record type and needs --output PATH"
                )
            }
            other => other.into(),
        })?;
    reprint_engine::records::declare_tables(&mut writer);
    // Every output is checked before the work: none may land on an input or inside an
    // input directory, and each directory must take a new file.
    let kinds: Vec<&str> = reprint_engine::records::TABLES
        .iter()
        .map(|t| t.0)
        .collect();
    let mut outputs = writer.paths(&kinds);
    outputs.extend(out.write_kept.clone());
    outputs.extend(report.clone());
    let refs: Vec<&std::path::Path> = outputs.iter().map(|p| p.as_path()).collect();
    reprint_io::safe::check_outputs(if bundled { &[] } else { &inputs }, &refs)?;
    if let Some(path) = &out.write_kept {
        reprint_io::check_kept(&inputs, &input_config(&input), path)
            .map_err(|e| anyhow::anyhow!("--write-kept: {}", read_hint(e)))?;
    }

    let observer = progress::Progress::new(out.quiet);
    let cfg = engine.input_config(&input_config(&input));
    let analysis = if bundled {
        let recs: Vec<Result<Record, ReadError>> = example::records().into_iter().map(Ok).collect();
        engine.run(recs.into_iter(), &cfg, &observer)
    } else {
        let records = Inputs::open(&inputs, &cfg).map_err(read_hint)?;
        observer.follow(records.progress());
        engine.run(records, &cfg, &observer)
    }
    .map_err(explain)?;

    let t = Instant::now();
    observer.phase_msg("writing findings");
    analysis.write_findings(&mut writer, !out.no_documents)?;
    analysis.texts_read_back().map_err(explain)?;
    let mut kept_written = None;
    if let Some(path) = &out.write_kept {
        kept_written = Some(
            reprint_io::write_kept(&inputs, &cfg, &mut analysis.keep_decider(), path)
                .map_err(|e| anyhow::anyhow!("--write-kept: {}", read_hint(e)))?,
        );
    }
    let mut report_bytes = None;
    if let Some(path) = &report {
        observer.phase_msg("writing the HTML report");
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
        let html = reprint_report::render(&analysis.report(title));
        analysis.texts_read_back().map_err(explain)?;
        reprint_io::safe::write_whole(path, html.as_bytes())
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
        report_bytes = Some(html.len() as u64);
    }
    let total = start.elapsed().as_secs_f64();
    let round3 = |x: f64| (x * 1000.0).round() / 1000.0;
    let mut summary = analysis.summary();
    summary.insert(
        "inputs".into(),
        serde_json::json!(if bundled {
            vec!["examples/news (bundled)".to_string()]
        } else {
            inputs.iter().map(|p| p.display().to_string()).collect()
        }),
    );
    summary.insert("kept_written".into(), serde_json::json!(kept_written));
    summary.insert(
        "report".into(),
        serde_json::json!(report
            .as_ref()
            .map(|p| serde_json::json!({"path": p.display().to_string(), "bytes": report_bytes}))),
    );
    if let Some(serde_json::Value::Object(secs)) = summary.get_mut("seconds") {
        secs.insert(
            "write".into(),
            serde_json::json!(round3(t.elapsed().as_secs_f64())),
        );
        secs.insert("total".into(), serde_json::json!(round3(total)));
    }
    summary.insert(
        "mb_per_second".into(),
        serde_json::json!(round3(analysis.bytes() as f64 / 1e6 / total.max(1e-9))),
    );
    let dropped = summary["dropped"].as_u64().unwrap_or(0) as usize;
    writer.write(&Finding::Summary(summary))?;
    writer.finish()?;
    observer.finish();
    if !out.quiet {
        let n = |x: usize| progress::group_digits(x as u64);
        let reuse_note = analysis
            .reuse()
            .map(|r| {
                format!(
                    ", {} reused passages ({} boilerplate)",
                    n(r.passages.len()),
                    n(r.passages.iter().filter(|p| p.boilerplate).count())
                )
            })
            .unwrap_or_default();
        let stories_note = analysis
            .stories()
            .map(|r| format!(", {} stories", n(r.stories.len())))
            .unwrap_or_default();
        eprintln!(
            "reprint: {} documents ({:.1} MB), {} duplicate clusters, {} dropped as duplicates, {} pairs{reuse_note}{stories_note}, {} bad records skipped, {:.2} s",
            n(analysis.len()),
            analysis.bytes() as f64 / 1e6,
            n(analysis.duplicates().clusters.len()),
            n(dropped),
            n(analysis.duplicates().pairs.len()),
            n(analysis.skipped() as usize),
            total
        );
        if let Some(p) = &report {
            eprintln!("reprint: report written to {}", p.display());
        }
    }
    Ok(())
}
