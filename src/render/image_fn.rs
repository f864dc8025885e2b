//! `resize_image`, the Tera function templates ask for a photo's size or
//! crop with: the file is named now and made by the write stage, as every
//! photo size is (see crate::images).

use crate::config::Config;
use crate::images::{Format, Images};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// The site whose photos templates may ask for: set by each renderer, so
/// one set of templates serves the builds of `gazette serve` one by one.
pub(crate) type ImagesSlot = Arc<RwLock<Option<(Arc<Images>, Config)>>>;

pub(crate) struct ResizeImage {
    pub(crate) slot: ImagesSlot,
}

const ARGS: &[&str] = &["path", "width", "height", "op", "format"];

fn fail(message: String) -> tera::Error {
    tera::Error::msg(format!("`resize_image`: {message}"))
}

impl tera::Function for ResizeImage {
    fn call(&self, args: &HashMap<String, Value>) -> tera::Result<Value> {
        if let Some(unknown) = args.keys().find(|k| !ARGS.contains(&k.as_str())) {
            return Err(fail(format!(
                "unknown argument `{unknown}`: it takes path, width, height, op (\"fit\" or \"fill\") and format (\"jpeg\", \"png\" or \"webp\")"
            )));
        }
        let Some(path) = args.get("path").and_then(Value::as_str) else {
            return Err(fail(
                "needs `path`, the photo's path on the site, such as \"/images/plant.jpg\"".into(),
            ));
        };
        let size = |name: &str| -> tera::Result<Option<u32>> {
            match args.get(name) {
                None => Ok(None),
                Some(v) => match v.as_u64() {
                    Some(n @ 1..=8192) => Ok(Some(n as u32)),
                    _ => Err(fail(format!(
                        "`{name}` is a number of pixels from 1 to 8192, not {v}"
                    ))),
                },
            }
        };
        let (width, height) = (size("width")?, size("height")?);
        let fill = match args.get("op").and_then(Value::as_str).unwrap_or("fit") {
            "fit" => false,
            "fill" => true,
            other => return Err(fail(format!("`op` is \"fit\" or \"fill\", not {other:?}"))),
        };
        if width.is_none() && height.is_none() {
            return Err(fail("needs `width`, `height` or both".into()));
        }
        if fill && (width.is_none() || height.is_none()) {
            return Err(fail(
                "op=\"fill\" crops to a shape: give both `width` and `height`".into(),
            ));
        }
        let format = match args.get("format").and_then(Value::as_str) {
            None | Some("auto") => None,
            Some(name) => Some(Format::named(name).ok_or_else(|| {
                fail(format!(
                    "`format` is \"jpeg\", \"png\", \"webp\" or \"auto\", not {name:?}"
                ))
            })?),
        };
        let slot = self.slot.read().unwrap_or_else(|e| e.into_inner());
        let Some((images, config)) = slot.as_ref() else {
            return Err(fail("no site is being built".into()));
        };
        let site_path = format!("/{}", path.trim_start_matches('/'));
        let front = config.url(crate::paths::FRONT);
        let Some(i) = images.find(config, &front, &site_path) else {
            return Err(fail(format!(
                "{site_path} is not a photo of the site (a JPEG, PNG, WebP or GIF under static/ or in a bundle)"
            )));
        };
        let made = images.resize(config, i, width, height, fill, format);
        serde_json::to_value(made).map_err(|e| fail(e.to_string()))
    }
}
