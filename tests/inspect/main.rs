//! 网站巡检 end to end, against a test portal the tests serve themselves on
//! loopback (`portal.rs`): `baomi inspect` (the real binary, `cli.rs`),
//! `baomi serve` in-process on SQLite and PostgreSQL (`service.rs`), and two
//! real `baomi serve` processes sharing one run on PostgreSQL, one of them
//! killed mid-fetch (`multi.rs`). Nothing is mocked; nothing but loopback
//! addresses the tests opened is ever requested.

#[path = "../support/office.rs"]
mod office;
#[path = "../server_support/mod.rs"]
mod server_support;

mod cli;
mod multi;
mod portal;
mod service;

use service::*;

on_both_backends!(
    a_run_then_actions_then_a_second_run_reports_what_is_left,
    a_schedule_from_the_config_starts_runs_by_itself,
);
