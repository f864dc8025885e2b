//! gazette: a static site generator for news sites.
//!
//! The build runs in stages, each in its own module, and data flows one
//! way: `config` and `content` load, `site` models, `render` and `feeds`
//! turn the model into bytes, `output` writes them. [`build`]
//! runs the stages; [`diagnostics`] carries what went wrong. [`check`]
//! runs the same stages into memory and follows every link of the result;
//! [`serve`] keeps rebuilding into memory and serves the result over HTTP.
//!
//! Only what the binary, the tests and the fuzz targets use is public;
//! every other module is the crate's own, so dead code shows.

pub mod build;
pub(crate) mod build_state;
pub(crate) mod cache_file;
pub(crate) mod changes;
pub mod check;
pub mod cli;
pub(crate) mod config;
pub(crate) mod content;
pub(crate) mod data;
pub mod diagnostics;
pub(crate) mod feeds;
mod file_meta;
#[doc(hidden)]
pub mod fuzzing;
pub(crate) mod images;
pub mod import;
pub(crate) mod live;
pub mod markdown;
pub(crate) mod markdown_cache;
pub(crate) mod output;
pub(crate) mod packed;
pub(crate) mod paths;
pub(crate) mod render;
pub mod scaffold;
pub mod serve;
pub(crate) mod shortcode;
pub(crate) mod site;
pub(crate) mod slug;
pub mod sources;
pub mod status;
pub(crate) mod strict;
#[doc(hidden)]
pub mod testing;
