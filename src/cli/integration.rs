//! `baomi integration wordpress`: prints the WordPress must-use plugin
//! (`src/integrations/wordpress/baomi-gate.php`, embedded) with this
//! installation's hook address, CMS token and webhook secret filled in.
//!
//! The webhook secret is resolved as `baomi serve` resolves it, so that the
//! plugin verifies what the service signs: `--webhook-secret`, else
//! `BAOMI_WEBHOOK_SECRET`, else the config file's `webhook_secret`, else the
//! one stored in the database (created there if the service has not yet
//! started once). When the database is opened, the token is checked too.

use super::common::DbArgs;
use anyhow::{bail, Context, Result};
use baomi::service::config::ConfigFile;
use baomi::service::store::{random_id, ContentRetention, Store};
use baomi::service::workflow::Role;
use std::process::ExitCode;

const WORDPRESS_PLUGIN: &str = include_str!("../integrations/wordpress/baomi-gate.php");

#[derive(clap::Subcommand)]
pub enum IntegrationCommand {
    /// Print the WordPress must-use plugin with the settings filled in; save
    /// it as wp-content/mu-plugins/baomi-gate.php.
    Wordpress(WordpressArgs),
}

#[derive(clap::Args)]
pub struct WordpressArgs {
    /// Where WordPress reaches baomi, e.g. http://10.1.2.3:8080.
    #[arg(long)]
    hook_url: String,
    /// A token of role cms (`baomi token create --role cms --name …`).
    #[arg(long)]
    token: String,
    /// The secret baomi signs callbacks with (default: as `baomi serve` finds it).
    #[arg(long, env = "BAOMI_WEBHOOK_SECRET")]
    webhook_secret: Option<String>,
    #[command(flatten)]
    db: DbArgs,
}

pub async fn run(cmd: IntegrationCommand) -> Result<ExitCode> {
    match cmd {
        IntegrationCommand::Wordpress(args) => {
            let plugin = wordpress_plugin(&args).await?;
            print!("{plugin}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn wordpress_plugin(args: &WordpressArgs) -> Result<String> {
    let hook_url = args.hook_url.trim_end_matches('/');
    if !(hook_url.starts_with("http://") || hook_url.starts_with("https://"))
        || hook_url.contains(char::is_whitespace)
    {
        bail!("--hook-url must be an http:// or https:// address, not {hook_url:?}");
    }
    if args.token.trim().is_empty() {
        bail!(
            "--token must not be empty: create one with `baomi token create --role cms --name …`"
        );
    }
    let file = ConfigFile::read(args.db.config.as_deref())?;
    let given = args.webhook_secret.clone().filter(|s| !s.is_empty());
    let secret = match given.or(file.webhook_secret.clone()) {
        Some(secret) => secret,
        None => {
            let url = file.database_url(args.db.database_url.as_deref());
            let store = Store::connect(&url, ContentRetention::Flagged)
                .await
                .with_context(|| format!("opening {url} for the webhook secret"))?;
            check_token(&store, &args.token)
                .await
                .with_context(|| format!("in {url}"))?;
            // The same key and generator as `baomi serve`: whichever starts first creates it.
            let secret = store
                .setting_or_init("webhook_secret", || random_id("whs"))
                .await?;
            store.close().await;
            secret
        }
    };
    if secret.is_empty() {
        bail!("the webhook secret is empty: callbacks could not be verified");
    }
    let mut plugin = WORDPRESS_PLUGIN.to_string();
    for (key, value) in [
        ("hook_url", hook_url),
        ("token", args.token.as_str()),
        ("webhook_secret", secret.as_str()),
    ] {
        plugin = fill(&plugin, key, value)?;
    }
    Ok(plugin)
}

async fn check_token(store: &Store, token: &str) -> Result<()> {
    match store.token_by_secret(token).await? {
        Some(t) if t.role == Role::Cms => Ok(()),
        Some(t) => bail!(
            "--token is token {:?} of role {}; the plugin needs a cms token",
            t.name,
            t.role.as_str()
        ),
        None => bail!("--token is not a live token"),
    }
}

/// Replaces the empty PHP string after the marker `/*baomi:KEY*/` with
/// `value` as a single-quoted PHP literal.
fn fill(plugin: &str, key: &str, value: &str) -> Result<String> {
    if value.chars().any(char::is_control) {
        bail!("the {key} contains a control character");
    }
    let marker = format!("/*baomi:{key}*/''");
    if plugin.matches(&marker).count() != 1 {
        bail!("the embedded plugin does not hold the marker {marker} exactly once");
    }
    let literal = value.replace('\\', "\\\\").replace('\'', "\\'");
    Ok(plugin.replacen(&marker, &format!("'{literal}'"), 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_single_quoted_php_literals() {
        for (value, want) in [
            ("http://127.0.0.1:8080", "'http://127.0.0.1:8080'"),
            ("it's", r"'it\'s'"),
            (r"a\b", r"'a\\b'"),
            (r"a\'", r"'a\\\''"),
        ] {
            let filled = fill("x(/*baomi:k*/'');", "k", value).unwrap();
            assert_eq!(filled, format!("x({want});"), "value: {value:?}");
        }
        assert!(fill("/*baomi:k*/''", "k", "a\nb").is_err());
        assert!(fill("no marker", "k", "v").is_err());
    }

    #[test]
    fn the_embedded_plugin_has_each_marker_once() {
        for key in ["hook_url", "token", "webhook_secret"] {
            assert_eq!(
                WORDPRESS_PLUGIN
                    .matches(&format!("/*baomi:{key}*/''"))
                    .count(),
                1,
                "{key}"
            );
        }
    }
}
