//! `baomi serve`: the publish hook, the pages and the delivery worker.

use anyhow::{Context, Result};
use baomi::service::config::{ConfigFile, Overrides};
use baomi::service::{ServeConfig, Service};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Settings come from, strongest first: command line, environment
/// (`BAOMI_*`), the config file, defaults (see `service::config`).
#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080; port 0 picks a free one).
    #[arg(long, env = "BAOMI_LISTEN")]
    listen: Option<String>,
    /// A directory of lexicon files on top of the bundled ones.
    #[arg(long, env = "BAOMI_LEXICONS")]
    lexicons: Option<PathBuf>,
    #[command(flatten)]
    db: super::common::DbArgs,
}

pub fn run(args: ServeArgs) -> Result<ExitCode> {
    let file = ConfigFile::read(args.db.config.as_deref())?;
    let config = ServeConfig::resolve(
        file,
        Overrides {
            listen: args.listen,
            database_url: args.db.database_url,
            lexicons: args.lexicons,
        },
    );
    super::common::runtime()?.block_on(serve(config))
}

async fn serve(config: ServeConfig) -> Result<ExitCode> {
    let listen = config.listen.clone();
    let lexicon_dir = config.lexicons.clone();
    let service = Service::new(config).await?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    let state = service.state.clone();
    let tokens = state
        .store
        .list_tokens()
        .await?
        .iter()
        .filter(|t| t.revoked_at.is_none())
        .count();
    let db = state.store.describe().to_string();
    println!("baomi {} listening on http://{addr}", baomi::ENGINE_VERSION);
    println!("database: {db}");
    println!(
        "lexicons: {} ({})",
        state.engine().lexicon_version(),
        lexicon_dir.map_or("bundled".to_string(), |d| format!(
            "bundled + {}",
            d.display()
        ))
    );
    println!(
        "tokens: {tokens} live; create one with: baomi token create --role cms --name my-cms --database-url {db}"
    );
    let _ = std::io::stdout().flush();
    let reload_state = state.clone();
    tokio::spawn(async move {
        let Ok(mut hup) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        else {
            return;
        };
        while hup.recv().await.is_some() {
            let _ = reload_state.reload_lexicons().await;
        }
    });
    service.serve(listener, shutdown_signal()).await?;
    eprintln!("baomi: stopped");
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term => {}
    }
}
