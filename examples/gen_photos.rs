//! Camera-sized photos for the image benchmark (scripts/bench_images.sh):
//! JPEGs with the EXIF a phone writes, orientation and GPS position
//! included. Every fourth photo is stored on its side with orientation 6,
//! as a phone held upright stores it.
//!
//!   cargo run --release --example gen_photos -- OUT_DIR [COUNT] [WIDTH] [HEIGHT]

#[path = "../tests/common/photos.rs"]
mod photos;

use rayon::prelude::*;
use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out) = args.first().map(PathBuf::from) else {
        eprintln!("usage: gen_photos OUT_DIR [COUNT] [WIDTH] [HEIGHT]");
        std::process::exit(2);
    };
    let number =
        |i: usize, default: u32| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (count, width, height) = (number(1, 200), number(2, 4000), number(3, 3000));
    std::fs::create_dir_all(&out).expect("the output folder can be made");
    (0..count).into_par_iter().for_each(|i| {
        let turned = i % 4 == 3;
        let (w, h) = if turned {
            (height, width)
        } else {
            (width, height)
        };
        let scene = photos::scene(w, h, i);
        let exif = photos::exif(if turned { 6 } else { 1 }, Some(photos::GPS));
        let bytes = photos::jpeg(&scene, 92, Some(exif));
        std::fs::write(out.join(format!("photo-{i:04}.jpg")), bytes).expect("a photo is written");
    });
    println!("{count} photos of {width}×{height} in {}", out.display());
}
