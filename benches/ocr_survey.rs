//! What tesseract itself makes of ★ and of an ID's X (before baomi's
//! repair), across faces, sizes and resolutions: the evidence for
//! `attach::ocr::repair` and for reading with `chi_sim` alone. A survey,
//! not a test (it prints what tesseract read, and asserts nothing); run with
//! `cargo bench --bench ocr_survey`. Pages are kept in
//! `$TMPDIR/baomi-ocr-survey`.

#[path = "../tests/support/office.rs"]
mod office;
#[path = "../tests/support/scan.rs"]
mod scanpage;

use scanpage::render_page;

/// The ID number the attachment tests use.
const ID: &str = "11010519491231002X";

fn main() {
    let dir = std::env::temp_dir().join("baomi-ocr-survey");
    std::fs::create_dir_all(&dir).unwrap();
    for dpi in [150, 200, 300] {
        for points in [12.0, 16.0, 22.0] {
            for sans in [true, false] {
                let texts = [
                    "机密★1年",
                    "秘密★6个月",
                    "绝密★启用前",
                    ID,
                    "11010119800202123X",
                ];
                let lines: Vec<scanpage::Line> = texts
                    .iter()
                    .map(|t| scanpage::Line {
                        text: t,
                        points,
                        sans,
                    })
                    .collect();
                let picture = render_page(&lines, dpi);
                let path = dir.join(format!("{dpi}-{points}-{sans}.png"));
                std::fs::write(&path, scanpage::png(&picture)).unwrap();
                for langs in ["chi_sim", "chi_sim+eng"] {
                    let out = std::process::Command::new("tesseract")
                        .args([
                            path.to_str().unwrap(),
                            "-",
                            "-l",
                            langs,
                            "--psm",
                            "3",
                            "--dpi",
                            &dpi.to_string(),
                        ])
                        .env("OMP_THREAD_LIMIT", "1")
                        .output()
                        .unwrap();
                    let text = String::from_utf8_lossy(&out.stdout);
                    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
                    let face = if sans { "sans" } else { "serif" };
                    println!("{langs}, {dpi} dpi {points}pt {face}: {lines:?}");
                }
            }
        }
    }
}
