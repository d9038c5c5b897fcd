//! OCR by the `tesseract` program (Debian `tesseract-ocr` with
//! `tesseract-ocr-chi-sim`), language `chi_sim`, automatic page
//! segmentation (`--psm 3`).
//!
//! Why `chi_sim` alone and not `chi_sim+eng`: measured on rendered pages
//! (`ocr_survey` in tests/attachments/scans.rs: 3 resolutions × 3 sizes ×
//! serif/sans), with `eng` added tesseract read the short marking line as
//! Latin garbage (`机密★1年` → `WB a LEE`, `Bk LE`) in 7 of 18 pages, with
//! `chi_sim` alone in none; `chi_sim` reads digits and Latin letters too
//! (ID numbers were read in all 18).
//!
//! Contract: this is the one place of the attach layer that does I/O. It
//! runs a child process per picture: the picture goes in on stdin as 8-bit
//! grey PGM, the text comes back on stdout. The child runs under
//! `RLIMIT_AS` = [`Limits::ocr_memory_bytes`] and `RLIMIT_CPU` (set in
//! `pre_exec`) and is killed when it runs longer than
//! [`Limits::ocr_timeout`] or than what is left of the attachment's time
//! budget; its output is read up to the text limit only. One OCR thread
//! (`OMP_THREAD_LIMIT=1`): the machines have two cores and other
//! attachments are being read on them.
//!
//! Why the command line and not a binding (`tesseract-rs`, `leptess`): a
//! binding runs tesseract inside our process, where a crash or an allocation
//! failure on a hostile picture takes the service down and no memory limit
//! or kill can be applied to it; the command line is what Debian packages and
//! costs one process start (~50 ms) per picture.
//!
//! Where tesseract or its `chi_sim`/`eng` data is missing, OCR is
//! [`AttachError::OcrUnavailable`], whose message names the packages; the
//! picture is then `review`, never `pass`. `BAOMI_TESSERACT` may name the
//! program (default `tesseract` on the `PATH`).
//!
//! The text is then repaired for what OCR does to the two things that
//! matter most, see [`repair`].
//!
//! [`Limits::ocr_memory_bytes`]: super::budget::Limits::ocr_memory_bytes
//! [`Limits::ocr_timeout`]: super::budget::Limits::ocr_timeout

use super::budget::Budget;
use super::error::AttachError;
use image::GrayImage;
use std::io::{Read, Write};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The tesseract program to run.
fn program() -> String {
    std::env::var("BAOMI_TESSERACT").unwrap_or_else(|_| "tesseract".into())
}

/// Whether tesseract runs and has the `chi_sim` data; checked once per
/// process.
fn available() -> Result<(), AttachError> {
    static AVAILABLE: OnceLock<Result<(), String>> = OnceLock::new();
    AVAILABLE
        .get_or_init(|| {
            let program = program();
            let output = Command::new(&program)
                .arg("--list-langs")
                .stdin(Stdio::null())
                .output()
                .map_err(|e| format!("cannot run {program}: {e}"))?;
            let listed = String::from_utf8_lossy(&output.stdout).into_owned()
                + &String::from_utf8_lossy(&output.stderr);
            let langs: Vec<&str> = listed.lines().map(str::trim).collect();
            let missing: Vec<&str> = ["chi_sim"]
                .into_iter()
                .filter(|l| !langs.contains(l))
                .collect();
            if missing.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{program} has no language data for {}",
                    missing.join(", ")
                ))
            }
        })
        .clone()
        .map_err(|detail| AttachError::OcrUnavailable { detail })
}

/// Recognizes the text of `picture` (`dpi`, when known, tells tesseract the
/// scale); see the module docs for the limits.
pub(super) fn recognize(
    picture: &GrayImage,
    dpi: Option<u32>,
    budget: &Budget,
) -> Result<String, AttachError> {
    available()?;
    budget.check_time()?;
    let limits = budget.limits;
    let (timeout, by_budget) = if budget.remaining() < limits.ocr_timeout {
        (budget.remaining(), true)
    } else {
        (limits.ocr_timeout, false)
    };
    let mut pgm = format!("P5\n{} {}\n255\n", picture.width(), picture.height()).into_bytes();
    pgm.extend_from_slice(picture.as_raw());

    let mut command = Command::new(program());
    command
        .args(["stdin", "stdout", "-l", "chi_sim", "--psm", "3"])
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(dpi) = dpi {
        command.args(["--dpi", &dpi.to_string()]);
    }
    let memory = limits.ocr_memory_bytes;
    let cpu_seconds = timeout.as_secs() + 2;
    // SAFETY: between fork and exec only setrlimit runs, which is
    // async-signal-safe; no allocation, no locks.
    unsafe {
        command.pre_exec(move || {
            let set = |resource, value: u64| {
                let limit = libc::rlimit {
                    rlim_cur: value as libc::rlim_t,
                    rlim_max: value as libc::rlim_t,
                };
                if libc::setrlimit(resource, &limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            };
            set(libc::RLIMIT_AS, memory)?;
            set(libc::RLIMIT_CPU, cpu_seconds)?;
            Ok(())
        });
    }
    let mut child = command.spawn().map_err(|e| AttachError::OcrUnavailable {
        detail: format!("cannot run {}: {e}", program()),
    })?;
    let mut stdin = child.stdin.take().expect("piped");
    let writer = std::thread::spawn(move || {
        // A child that stops reading (killed, or done) closes the pipe: the
        // error is the child's to report.
        let _ = stdin.write_all(&pgm);
    });
    let max_text = limits.max_text_bytes;
    let mut stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = (&mut stdout).take(max_text + 1).read_to_end(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(if by_budget {
                    AttachError::TimeBudget {
                        budget_ms: limits.time_budget.as_millis(),
                    }
                } else {
                    AttachError::OcrTimeout {
                        limit_ms: timeout.as_millis(),
                    }
                });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(AttachError::OcrFailed {
                    detail: e.to_string(),
                });
            }
        }
    };
    let _ = writer.join();
    let text = reader.join().unwrap_or_default();
    let status = status?;
    if !status.success() {
        return Err(AttachError::OcrFailed {
            detail: match status.code() {
                Some(code) => format!("tesseract exited with status {code}"),
                None => "tesseract was killed (memory or CPU limit)".into(),
            },
        });
    }
    if text.len() as u64 > max_text {
        return Err(AttachError::TextTooLarge { limit: max_text });
    }
    Ok(repair(&String::from_utf8_lossy(&text)))
}

/// Repairs what OCR does to markings and ID numbers, and to Chinese text.
/// What tesseract 5.3 (`chi_sim`) was seen to do (`ocr_survey`):
///
/// - ★ is not in the `chi_sim` data: it comes out as a Chinese character
///   that looks like it (`友 女 太 妇 廊 妈 去 广 娘 雪 文`), and the `1` after
///   it often as `]`: `机密友]年`, `秘密太6个月`, `绝密女启用前`. On a line that
///   *starts* with 绝密/机密/秘密, one character other than 级 (or none)
///   between the 密级 and a period (`1年`, `6个月`, `长期`, `启用前`, with `]`
///   `l` `I` `|` read as `1`) becomes `★`. Only at the start of a line, where
///   markings stand: a sentence that names a marking is left alone.
/// - The check character `X` of an ID number comes out as `叉` (the Chinese
///   word for a cross), `又`, `x`, `×`, `K`, `k`, `Х`, or doubled (`xX`); a leading
///   `1` as `TI`, `I`, `l` or `]`. After exactly 17 digits that begin a
///   number, one such character (or pair) becomes `X`; a leading misread `1`
///   is put back only when the result is a valid ID number (check digit).
/// - Tesseract puts a space between Chinese characters at times; spaces
///   between two CJK characters are dropped (the engine's normalization would
///   absorb them too, but excerpts read better).
///
/// Nothing else is rewritten: a misread digit stays misread (the ID check
/// then fails, as it should; the page's resolution is what prevents it).
pub fn repair(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let line = join_cjk(line);
        let line = repair_marking(&line);
        let line = repair_id_check(&line);
        out.push_str(&repair_id_start(&line));
    }
    out
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{3000}'..='\u{303f}' | '\u{ff00}'..='\u{ffef}')
}

/// Drops the spaces between two CJK characters.
fn join_cjk(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let before = chars[..i].iter().rev().find(|c| **c != ' ');
            let after = chars[i + 1..].iter().find(|c| **c != ' ');
            if before.is_some_and(|c| is_cjk(*c)) && after.is_some_and(|c| is_cjk(*c)) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// What OCR makes of the `1` of `1年` in a marking.
const ONE_MISREADS: &[char] = &[']', 'l', 'I', '|', '丨', '】'];

/// The period of a marking at the start of `s`, with misread ones put
/// back: `]年…` → `1年…`. `None` when `s` does not start with a period.
fn period(s: &str) -> Option<String> {
    for word in ["长期", "启用前", "永久"] {
        if s.starts_with(word) {
            return Some(s.to_string());
        }
    }
    let numeral = |c: char| c.is_ascii_digit() || "一二三四五六七八九十".contains(c);
    let count = s
        .chars()
        .take_while(|c| numeral(*c) || ONE_MISREADS.contains(c))
        .count();
    let (digits, unit): (String, &str) = {
        let split = s.char_indices().nth(count).map_or(s.len(), |(i, _)| i);
        (
            s[..split]
                .chars()
                .map(|c| if ONE_MISREADS.contains(&c) { '1' } else { c })
                .collect(),
            &s[split..],
        )
    };
    let is_unit = unit.starts_with('年') || unit.starts_with("个月") || unit.starts_with('月');
    (count > 0 && is_unit).then(|| format!("{digits}{unit}"))
}

/// `机密友]年` → `机密★1年` at the start of a line (see [`repair`]).
fn repair_marking(line: &str) -> String {
    let trimmed = line.trim_start();
    let lead = &line[..line.len() - trimmed.len()];
    let Some(level) = ["绝密", "机密", "秘密"]
        .into_iter()
        .find(|l| trimmed.starts_with(l))
    else {
        return line.to_string();
    };
    let rest = trimmed[level.len()..].trim_start();
    if let Some(p) = period(rest) {
        return format!("{lead}{level}★{p}");
    }
    let mut chars = rest.chars();
    match chars.next() {
        Some('★' | '级') | None => line.to_string(),
        Some(_) => match period(chars.as_str().trim_start()) {
            Some(p) => format!("{lead}{level}★{p}"),
            None => line.to_string(),
        },
    }
}

/// What OCR makes of the check character X of an ID number.
const X_MISREADS: &[char] = &[
    'x', 'X', '×', 'K', 'k', 'Х', 'х', 'χ', '叉', '又', '义', '乂',
];

/// `11010519491231002叉` → `11010519491231002X` (see [`repair`]).
fn repair_id_check(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut run = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if run == 17 && X_MISREADS.contains(&c) {
            // One misread X, or a doubled one (`xX`).
            let pair = chars.get(i + 1).is_some_and(|n| {
                X_MISREADS.contains(n)
                    && n.is_ascii_alphabetic()
                    && c.is_ascii_alphabetic()
                    && n.eq_ignore_ascii_case(&'X')
                    && c.eq_ignore_ascii_case(&'X')
            });
            let width = if pair { 2 } else { 1 };
            let next_is_alnum = chars
                .get(i + width)
                .is_some_and(|n| n.is_ascii_alphanumeric());
            if !next_is_alnum {
                out.push('X');
                i += width;
                run = 0;
                continue;
            }
        }
        out.push(c);
        run = if c.is_ascii_digit() {
            if run == 0 && i > 0 && chars[i - 1].is_ascii_alphanumeric() {
                usize::MAX / 2 // digits after a letter: not the start of a number
            } else {
                run.saturating_add(1)
            }
        } else {
            0
        };
        i += 1;
    }
    out
}

/// `TI1010519491231002X` → `11010519491231002X`, only when valid.
fn repair_id_start(line: &str) -> String {
    let mut out = line.to_string();
    for misread in ["TI", "I", "l", "]", "|"] {
        let mut from = 0;
        while let Some(at) = out[from..].find(misread).map(|p| p + from) {
            let after = &out[at + misread.len()..];
            let digits = after.chars().take_while(char::is_ascii_digit).count();
            let before_ok = !out[..at]
                .chars()
                .last()
                .is_some_and(|c| c.is_ascii_alphanumeric());
            if before_ok && digits == 16 {
                let candidate: String =
                    std::iter::once('1').chain(after.chars().take(17)).collect();
                let end_ok = !after
                    .chars()
                    .nth(17)
                    .is_some_and(|c| c.is_ascii_alphanumeric());
                if end_ok && crate::engine::validate::is_resident_id(&candidate) {
                    let tail = &after[candidate.len() - 1..];
                    out = format!("{}{candidate}{tail}", &out[..at]);
                }
            }
            from = at + misread.len();
            if from >= out.len() {
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_the_marking_star_at_the_start_of_a_line() {
        for (ocr, want) in [
            // What tesseract 5.3 chi_sim wrote (ocr_survey).
            ("机密友]年", "机密★1年"),
            ("秘密太6个月", "秘密★6个月"),
            ("绝密女启用前", "绝密★启用前"),
            ("机密妇1年", "机密★1年"),
            ("机密]年", "机密★1年"),
            ("机密*1年", "机密★1年"),
            ("  秘密x6个月", "  秘密★6个月"),
            ("机密1年", "机密★1年"),
            ("机密★1年", "机密★1年"),
            ("机密级", "机密级"),
            // Not a marking line: left alone.
            ("机密文件1年内销毁", "机密文件1年内销毁"),
            ("查处机密*1年", "查处机密*1年"),
            ("机密大楼", "机密大楼"),
        ] {
            assert_eq!(repair_marking(ocr), want, "{ocr:?}");
        }
    }

    #[test]
    fn repairs_the_check_character_of_ids() {
        for (ocr, want) in [
            ("11010519491231002x", "11010519491231002X"),
            ("3 张伟 11010119800202123叉", "3 张伟 11010119800202123X"),
            ("3 张伟 11010119800202123又", "3 张伟 11010119800202123X"),
            ("11010119800202123xX", "11010119800202123X"),
            ("1 王强 11010519491231002×", "1 王强 11010519491231002X"),
            (
                "身份证号11010519491231002K。",
                "身份证号11010519491231002X。",
            ),
            // Not after exactly 17 digits, or inside a word: left alone.
            ("1101051949123100x", "1101051949123100x"),
            ("A11010519491231002x", "A11010519491231002x"),
            ("11010519491231002kg", "11010519491231002kg"),
        ] {
            assert_eq!(repair_id_check(ocr), want, "{ocr:?}");
        }
    }

    #[test]
    fn a_leading_one_is_put_back_only_when_the_id_is_valid() {
        for (ocr, want) in [
            ("TI1010519491231002X", "11010519491231002X"),
            ("1 王强 ]1010519491231002X", "1 王强 11010519491231002X"),
            // Not valid with a 1 in front: left alone.
            ("TI1010519491231002Y", "TI1010519491231002Y"),
            ("I2345678901234567", "I2345678901234567"),
        ] {
            assert_eq!(repair(ocr), want, "{ocr:?}");
        }
    }

    #[test]
    fn spaces_between_chinese_characters_go() {
        assert_eq!(
            repair("关于 做好 某项 工作\n序号 1 王 强"),
            "关于做好某项工作\n序号 1 王强"
        );
    }
}
