//! 网站巡检: inspecting the published portal itself. A run crawls the start
//! URLs' hosts (and the allowed ones), reads every page and linked
//! attachment with the engine and the attachment readers, and records one
//! [`model::Record`] per URL; officers act on what was found, and the next
//! run checks what they said was rectified.
//!
//! Stages, each with its contract in its module docs:
//! - [`urls`]: resolving and normalizing URLs, the allowed hosts;
//! - [`fetch`]: one bounded GET, no redirect followed;
//! - [`robots`], [`sitemap`]: robots.txt rules and sitemaps;
//! - [`charset`]: decoding pages (BOM, HTTP, `<meta>`, GB18030 fallback);
//! - [`links`]: the links and title of a page (incl. TRS pagination);
//! - [`frontier`]: the shared URL frontier (database or memory);
//! - [`crawl`]: the workers: lease, fetch, scan, follow, record;
//! - [`scan`]: reading a body: a page by the engine, a file by the readers;
//! - [`disposition`]: what an officer's action means for the next record;
//! - [`summary`]: a run's figures;
//! - [`actions`]: officers' actions (已整改, 误报, 转入审查);
//! - [`runs`]: starting runs (API, CLI, schedules) and the service's
//!   worker that crawls them with every other instance on the database.

pub mod actions;
pub mod charset;
pub mod crawl;
pub mod disposition;
pub mod fetch;
pub mod frontier;
pub mod links;
pub mod model;
pub mod robots;
pub mod runs;
pub mod scan;
pub mod sitemap;
pub mod summary;
pub mod urls;
