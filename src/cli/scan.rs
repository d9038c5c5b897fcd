//! `baomi scan`: the engine over files, folders or stdin, without a server.
//!
//! Exit codes: 0 when every input passes, 1 when any input is at or above
//! `--fail-on` (default `review`), 2 on a usage error or when any input could
//! not be read (each such input is reported with its file name and the
//! decision `review`; the run goes on with the others). An attachment
//! (.docx, .doc, .xlsx, .xls, .pptx, ODF, OFD, .rtf, .pdf, .zip, .csv, a
//! picture, or a file whose content is one) that was
//! read but not wholly understood (encrypted, unsupported, damaged, over a
//! limit) is a `review` with its `error`, exit 1, not 2: it is a verdict, not
//! a failure to read. What a file is comes from the one sniffer
//! ([`baomi::attach::sniff`]) that the service uses too.

use super::output::{self, ScanOk, ScanRecord};
use anyhow::{Context, Result};
use baomi::attach::{self, text::decode_text, ReadAs};
use baomi::engine::html::looks_like_html;
use baomi::{Decision, Document, Engine, Format, ScanOptions};
use clap::ValueEnum;
use rayon::prelude::*;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct ScanArgs {
    /// Files or folders; `-` (or nothing) reads stdin.
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    format: OutputFormat,
    /// Fail (exit 1) from this decision on.
    #[arg(long, value_enum, default_value_t = FailOn::Review)]
    fail_on: FailOn,
    /// A directory of lexicon files on top of the bundled ones (a file with
    /// the name of a bundled one replaces it).
    #[arg(long, env = "BAOMI_LEXICONS")]
    lexicons: Option<PathBuf>,
    /// How to read inputs: by extension (stdin: sniffed), or forced.
    #[arg(long, value_enum, default_value_t = InputFormat::Auto)]
    input_format: InputFormat,
    /// Add UTF-16 offsets to findings (for JavaScript clients).
    #[arg(long)]
    utf16: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum OutputFormat {
    Human,
    Json,
    Jsonl,
    Csv,
    Sarif,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Review,
    Block,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum InputFormat {
    Auto,
    Text,
    Html,
}

/// Files of these types are picked up when a folder is walked.
const SCANNED_EXTENSIONS: &[&str] = &[
    "txt", "md", "html", "htm", "csv", "docx", "xlsx", "pdf", "zip", "doc", "xls", "wps", "et",
    "pptx", "ppt", "dps", "odt", "ods", "odp", "ofd", "rtf", "png", "jpg", "jpeg", "tif", "tiff",
    "bmp", "gif",
];

/// An input to scan.
struct Input {
    /// As shown in output.
    name: String,
    path: Option<PathBuf>,
}

pub fn run(args: ScanArgs) -> Result<ExitCode> {
    let (inputs, mut errors) = collect_inputs(&args.paths);
    // With a core to spare (fewer inputs than workers), the jieba dictionary
    // and its tagger (~120 ms of CPU) load on it while the lexicons are read,
    // so the scan finds them ready. With more inputs than workers every core
    // is scanning, and jieba loads only if a document asks for it: of 2,000
    // synthetic 10 KB files none did, and the prefetch cost a fifth of the
    // CPU of the run.
    if inputs.len() < rayon::current_num_threads() {
        std::thread::spawn(baomi::engine::boundary::warm_jieba);
    }
    let engine = super::common::build_engine(args.lexicons.as_deref())?;
    let options = ScanOptions {
        utf16_offsets: args.utf16,
    };
    let progress = (inputs.len() > 1 && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(inputs.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {elapsed_precise}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let mut records: Vec<ScanRecord> = inputs
        .par_iter()
        .map(|input| {
            let outcome = read_input(input)
                .and_then(|bytes| scan_input(&engine, input, bytes, args.input_format, &options));
            if let Some(bar) = &progress {
                bar.inc(1);
            }
            ScanRecord {
                path: input.name.clone(),
                outcome,
            }
        })
        .collect();
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    records.append(&mut errors);
    let failed_reading = records.iter().any(|r| r.outcome.is_err());
    for r in &records {
        if let Err(e) = &r.outcome {
            eprintln!("baomi: {}: {e}", r.path);
        }
    }
    let rendered = match args.format {
        OutputFormat::Human => output::render_human(&records),
        OutputFormat::Json => output::render_json(&records),
        OutputFormat::Jsonl => output::render_jsonl(&records),
        OutputFormat::Csv => output::render_csv(&records),
        OutputFormat::Sarif => {
            let rules: Vec<(String, String)> = engine
                .lexicon()
                .entries
                .iter()
                .map(|e| (e.id.clone(), e.reason.clone()))
                .collect();
            output::render_sarif(&records, &rules)
        }
    };
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(rendered.as_bytes())
        .and_then(|_| stdout.flush())
    {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e).context("writing output");
        }
    }
    let threshold = match args.fail_on {
        FailOn::Review => Decision::Review,
        FailOn::Block => Decision::Block,
    };
    Ok(if failed_reading {
        ExitCode::from(2)
    } else if records.iter().any(|r| r.decision() >= threshold) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Reads and scans one file as `baomi scan` does (for `baomi eval`).
pub fn scan_path(
    engine: &Engine,
    path: &Path,
    forced: InputFormat,
    options: &ScanOptions,
) -> Result<ScanOk, String> {
    let input = Input {
        name: path.display().to_string(),
        path: Some(path.to_path_buf()),
    };
    let bytes = read_input(&input)?;
    scan_input(engine, &input, bytes, forced, options)
}

/// Reads one input as a document or an attachment, as the sniffer says
/// (`--input-format` forces a document).
fn scan_input(
    engine: &Engine,
    input: &Input,
    bytes: Vec<u8>,
    forced: InputFormat,
    options: &ScanOptions,
) -> Result<ScanOk, String> {
    let name = input
        .path
        .as_deref()
        .and_then(|p| p.file_name())
        .map_or_else(|| "-".to_string(), |n| n.to_string_lossy().into_owned());
    let read_as = match forced {
        InputFormat::Text => ReadAs::Document(Format::Text),
        InputFormat::Html => ReadAs::Document(Format::Html),
        // Stdin has no name: its content alone says what it is.
        InputFormat::Auto => attach::sniff(&name, &bytes).read_as(),
    };
    let format = match read_as {
        ReadAs::Attachment => return Ok(scan_attachment(engine, &name, &bytes, options)),
        ReadAs::Document(f) => f,
    };
    let content = decode_text(&bytes).map_err(|e| e.to_string())?;
    let format = match (forced, &input.path) {
        (InputFormat::Auto, None) if looks_like_html(&content) => Format::Html,
        _ => format,
    };
    let verdict = engine.scan_with(
        &Document {
            content: &content,
            format,
        },
        options,
    );
    Ok(ScanOk { verdict, content })
}

/// An attachment's record carries its findings (each with its `location`)
/// and, when part of it could not be read, the reason as `error` with a
/// decision of at least `review`.
fn scan_attachment(engine: &Engine, name: &str, bytes: &[u8], options: &ScanOptions) -> ScanOk {
    let a = attach::scan_attachment(engine, name, bytes, options);
    ScanOk {
        verdict: baomi::Verdict {
            decision: a.decision,
            findings: a.findings,
            incomplete: a.error,
            omitted: a.omitted,
            lexicon_version: a.lexicon_version,
            engine_version: a.engine_version,
        },
        content: String::new(),
    }
}

fn collect_inputs(paths: &[PathBuf]) -> (Vec<Input>, Vec<ScanRecord>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    if paths.is_empty() {
        inputs.push(Input {
            name: "-".into(),
            path: None,
        });
    }
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input {
                name: "-".into(),
                path: None,
            });
        } else if path.is_dir() {
            let mut found = Vec::new();
            let mut skipped = Vec::new();
            let walked = walk(path, &mut found, &mut skipped);
            for p in &skipped {
                eprintln!(
                    "baomi: skipped {}: not a regular file (a FIFO, socket, device or broken link)",
                    p.display()
                );
            }
            if let Err(e) = walked {
                errors.push(ScanRecord {
                    path: path.display().to_string(),
                    outcome: Err(format!("cannot read folder: {e}")),
                });
            }
            found.sort();
            inputs.extend(found.into_iter().map(|p| Input {
                name: p.display().to_string(),
                path: Some(p),
            }));
        } else {
            inputs.push(Input {
                name: path.display().to_string(),
                path: Some(path.clone()),
            });
        }
    }
    (inputs, errors)
}

/// Collects the files of `dir` worth scanning. Only regular files are read
/// (a symlink to one counts): a FIFO named `*.txt` would block the run
/// forever, a device would never end. What is skipped for that is listed
/// in `skipped`.
fn walk(dir: &Path, out: &mut Vec<PathBuf>, skipped: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let path = entry.path();
        if kind.is_dir() {
            // Symlinked folders are not followed: no loops.
            walk(&path, out, skipped)?;
        } else if path
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| SCANNED_EXTENSIONS.contains(&x.to_ascii_lowercase().as_str()))
        {
            match std::fs::metadata(&path) {
                Ok(meta) if meta.is_file() => out.push(path),
                _ => skipped.push(path),
            }
        }
    }
    Ok(())
}

fn read_input(input: &Input) -> Result<Vec<u8>, String> {
    match &input.path {
        None => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| format!("cannot read stdin: {e}"))?;
            Ok(buf)
        }
        Some(p) => std::fs::read(p).map_err(|e| format!("cannot read file: {e}")),
    }
}
