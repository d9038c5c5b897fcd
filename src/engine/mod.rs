//! The engine: build once from a lexicon, then scan documents. Pure: no
//! I/O, no async, no file formats (attachments are read by the layer above,
//! which hands this one their text).
//!
//! Contract: [`EngineBuilder::build`] validates and compiles a [`Lexicon`]
//! or returns an error; after that [`Engine::scan`] is pure: `&self`, no I/O,
//! deterministic (the same input and lexicon always give the same verdict),
//! and safe to call from many threads at once.
//!
//! The pipeline for one document, one module per stage:
//! [`html`] extraction → [`normalize`] (with [`offsets`] maps back) →
//! [`candidates`] → [`boundary`] confirmation → [`decide`] (with
//! [`placement`], [`validate`], [`bulk`]) → [`verdict`].

pub mod boundary;
pub mod bulk;
pub mod candidates;
pub mod cap;
pub mod context;
pub mod decide;
pub mod document;
pub mod html;
mod html_layout;
mod html_tables;
mod lazy_regex;
pub mod lexicon;
pub mod lexicon_cache;
pub mod lexicon_check;
pub mod lexicon_error;
pub mod normalize;
pub mod offsets;
pub mod pattern_proof;
pub mod pipeline;
pub mod placement;
pub mod synthetic;
pub mod validate;
pub mod verdict;

pub use document::{Cancel, Document, Format, ScanOptions};
pub use pipeline::{BuildError, Engine, EngineBuilder, ENGINE_VERSION};
