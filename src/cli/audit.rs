//! `baomi audit verify`: walk the hash-chained record.

use super::common::DbArgs;
use anyhow::Result;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// Walk the chain; exit 1 and name the first changed, inserted or deleted row.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run(cmd: AuditCommand) -> Result<ExitCode> {
    match cmd {
        AuditCommand::Verify { db } => {
            let store = db.open_store().await?;
            let report = store.verify_chain().await?;
            println!("{report}");
            Ok(if report.problem.is_none() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}
