//! `baomi audit verify|anchor`: walk the hash-chained record and check it
//! against signed anchors; sign the chain's head.

use super::common::DbArgs;
use anyhow::{Context, Result};
use baomi::service::anchors::{
    anchor_now, check_anchors, read_anchor_file, stored_anchors, AnchorKey,
};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// Walk the chain and check it against every anchor given (the anchors
    /// file, the database's anchors, and --anchors files); exit 1 and name
    /// the first changed, inserted or deleted row, or the anchor that fails.
    Verify {
        /// More anchor files (e.g. a copy kept elsewhere, or typed in from
        /// the paper 登记簿), one `baomi-anchor v1 …` line each.
        #[arg(long = "anchors", value_name = "FILE")]
        anchors: Vec<PathBuf>,
        /// Trust anchors signed by the key in this file (default: the
        /// configured `audit_key_file`); repeat for several instances' keys.
        #[arg(long = "key", value_name = "FILE")]
        keys: Vec<PathBuf>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Sign the chain's head now: recorded in the database, appended to the
    /// anchors file and printed (one line, for the paper 登记簿).
    Anchor {
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run(cmd: AuditCommand) -> Result<ExitCode> {
    match cmd {
        AuditCommand::Verify { anchors, keys, db } => {
            let settings = db.settings()?;
            let store = db.open_store().await?;
            let report = store.verify_chain().await?;
            println!("{report}");
            if report.problem.is_some() {
                return Ok(ExitCode::from(1));
            }
            let mut given = stored_anchors(&store).await?;
            let mut files = anchors;
            if settings.audit_anchor_file.exists() {
                files.insert(0, settings.audit_anchor_file.clone());
            }
            for file in &files {
                given.extend(read_anchor_file(file)?);
            }
            let key_files = if keys.is_empty() {
                vec![settings.audit_key_file.clone()]
            } else {
                keys
            };
            let mut trusted = Vec::new();
            for file in &key_files {
                match AnchorKey::load(file) {
                    Ok(k) => trusted.push(k.public_hex()),
                    Err(e) if file.exists() => return Err(e.into()),
                    Err(_) => eprintln!(
                        "baomi: no key file {}: anchors are checked against the keys they carry",
                        file.display()
                    ),
                }
            }
            let anchored = check_anchors(&store, &given, &trusted).await?;
            match anchored.problem {
                None => {
                    println!(
                        "anchors hold: {} checked ({} files, the database)",
                        anchored.checked,
                        files.len()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Some(problem) => {
                    println!("audit chain broken: {problem}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        AuditCommand::Anchor { db } => {
            let settings = db.settings()?;
            let store = db.open_store().await?;
            let key =
                AnchorKey::load_or_create(&settings.audit_key_file).context("the audit key")?;
            match anchor_now(&store, &key, Some(&settings.audit_anchor_file)).await? {
                Some(anchor) => {
                    println!("{anchor}");
                    Ok(ExitCode::SUCCESS)
                }
                None => {
                    eprintln!("baomi: the audit chain is empty: nothing to anchor");
                    Ok(ExitCode::SUCCESS)
                }
            }
        }
    }
}
