//! `baomi token create|list|revoke`.

use super::common::DbArgs;
use anyhow::{bail, Context, Result};
use baomi::service::auth::token_level;
use baomi::service::workflow::Role;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum TokenCommand {
    /// Create a token; prints the token alone on stdout, once. Only its hash is stored.
    Create {
        #[arg(long)]
        role: String,
        /// Officer level: 1 部门负责人, 2 分管领导, 3 保密工作负责人.
        #[arg(long)]
        level: Option<i64>,
        #[arg(long)]
        name: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List tokens (never their secrets).
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Revoke a token by id or name.
    Revoke {
        id_or_name: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run(cmd: TokenCommand) -> Result<ExitCode> {
    match cmd {
        TokenCommand::Create {
            role,
            level,
            name,
            db,
        } => {
            let role = Role::parse(&role).with_context(|| {
                format!("unknown role {role:?}: use cms, editor, officer or admin")
            })?;
            let level = token_level(role, level, &name)?;
            let store = db.open_store().await?;
            let (_, secret) = store.create_token(role, level, name.trim()).await?;
            println!("{secret}");
        }
        TokenCommand::List { db } => {
            let store = db.open_store().await?;
            for t in store.list_tokens().await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    t.id,
                    t.name,
                    t.role,
                    t.level.map_or("-".to_string(), |l| l.to_string()),
                    t.created_at,
                    t.revoked_at
                        .as_deref()
                        .map_or("live".to_string(), |r| format!("revoked {r}"))
                );
            }
        }
        TokenCommand::Revoke { id_or_name, db } => {
            let store = db.open_store().await?;
            let n = store.revoke_token(&id_or_name).await?;
            if n == 0 {
                bail!("no live token with id or name {id_or_name:?}");
            }
            eprintln!("revoked {n} token(s)");
        }
    }
    Ok(ExitCode::SUCCESS)
}
