//! The period report as one call for the CLI and the API: the publish
//! hook's figures ([`super::report::figures`]) and the 网站巡检 ones
//! ([`super::report_inspect::inspection_figures`]) of the same days.

use super::error::ServiceError;
use super::report::{figures, report_period, Report};
use super::report_inspect::inspection_figures;
use super::store::Store;

/// `from`/`to` are days (China Standard Time), inclusive.
pub async fn period_report(store: &Store, from: &str, to: &str) -> Result<Report, ServiceError> {
    let (start, end) = report_period(from, to)?;
    let reviews = store.reviews_between(&start, &end).await?;
    let resolutions = store.resolutions_between(&start, &end).await?;
    let mut report = figures(from, to, &reviews, &resolutions);
    let runs = store.inspections_between(&start, &end).await?;
    let records = store.inspection_records_between(&start, &end).await?;
    let actions = store.inspection_actions_between(&start, &end).await?;
    report.inspection = inspection_figures(&runs, &records, &actions);
    Ok(report)
}
