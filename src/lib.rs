//! gazette: a static site generator for news sites.
//!
//! The build runs in stages, each in its own module, and data flows one
//! way: [`config`] and [`content`] load, [`site`] models, [`render`] and
//! [`feeds`] turn the model into bytes, [`output`] writes them. [`build`]
//! runs the stages; [`diagnostics`] carries what went wrong. [`check`]
//! runs the same stages into memory and follows every link of the result;
//! [`serve`] keeps rebuilding into memory and serves the result over HTTP.

pub mod build;
pub mod check;
pub mod cli;
pub mod config;
pub mod content;
pub mod diagnostics;
pub mod feeds;
mod file_meta;
#[doc(hidden)]
pub mod fuzzing;
pub mod markdown;
pub mod output;
pub mod paths;
pub mod render;
pub mod scaffold;
pub mod serve;
pub mod site;
pub mod slug;
pub mod sources;
pub mod strict;
