//! Callback deliveries: when a pending item is resolved, its outcome goes to
//! the item's `callback_url` (or the configured CMS webhook), signed with
//! `X-Baomi-Signature: sha256=<hex HMAC-SHA256 of the body>`, and is retried
//! with exponential backoff (base `callback_backoff`, doubling, at most 10
//! minutes apart) until a 2xx answer. Every attempt is recorded. Deliveries
//! live in the database, so a restart resumes them.

use super::app::AppState;
use super::signing::hmac_hex;
use std::time::Duration;

const MAX_BACKOFF: Duration = Duration::from_secs(600);

/// The signature header value for `body`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hmac_hex(secret, body))
}

/// The delay before attempt `attempts + 1`.
pub fn backoff(base: Duration, attempts: i64) -> Duration {
    let factor = 1u32
        .checked_shl(attempts.clamp(0, 20) as u32)
        .unwrap_or(u32::MAX);
    base.saturating_mul(factor).min(MAX_BACKOFF)
}

pub async fn run_worker(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    // Redirects are not followed: a callback goes to the allowed host it
    // names, or nowhere.
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "callback client could not start; outcomes can still be polled");
            return;
        }
    };
    loop {
        if *stop.borrow() {
            return;
        }
        deliver_due(&state, &client).await;
        tokio::select! {
            _ = tokio::time::sleep(state.config.callback_poll) => {}
            _ = stop.changed() => return,
        }
    }
}

async fn deliver_due(state: &AppState, client: &reqwest::Client) {
    let due = match state.store.due_deliveries(&super::store::now(), 32).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read due callbacks");
            return;
        }
    };
    for delivery in due {
        let signature = sign(&state.webhook_secret, delivery.payload.as_bytes());
        let result = client
            .post(&delivery.url)
            .header("content-type", "application/json")
            .header("x-baomi-signature", signature)
            .header("x-baomi-delivery", &delivery.id)
            .body(delivery.payload.clone())
            .send()
            .await;
        let (code, error) = match result {
            Ok(resp) => (Some(i64::from(resp.status().as_u16())), None),
            Err(e) => (
                None,
                Some(if e.is_timeout() {
                    "timed out".to_string()
                } else {
                    "connection failed".to_string()
                }),
            ),
        };
        let accepted = code.is_some_and(|c| (200..300).contains(&c));
        let next = (!accepted).then(|| {
            let delay = backoff(state.config.callback_backoff, delivery.attempts);
            (chrono::Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default())
                .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string()
        });
        tracing::info!(review_id = %delivery.review_id, delivery = %delivery.id, attempt = delivery.attempts + 1, status = ?code, accepted, "callback attempt");
        if let Err(e) = state
            .store
            .record_attempt(&delivery, code, error.as_deref(), next.as_deref())
            .await
        {
            tracing::warn!(error = %e, "cannot record a callback attempt");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let base = Duration::from_secs(1);
        assert_eq!(backoff(base, 0), Duration::from_secs(1));
        assert_eq!(backoff(base, 3), Duration::from_secs(8));
        assert_eq!(backoff(base, 30), MAX_BACKOFF);
    }

    #[test]
    fn signature_is_hmac_sha256_hex() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
