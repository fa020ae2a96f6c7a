//! Fingerprints the migrations, so that the PostgreSQL tests' template database (migrated
//! once, copied for every test) is rebuilt whenever a migration changes.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

fn main() {
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migration/src");
    println!("cargo:rerun-if-changed={}", sources.display());
    let mut files: Vec<_> = std::fs::read_dir(&sources)
        .expect("the migration crate's sources")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "rs"))
        .collect();
    files.sort();
    let mut hasher = DefaultHasher::new();
    for file in files {
        file.file_name().hash(&mut hasher);
        std::fs::read(&file)
            .expect("a migration source")
            .hash(&mut hasher);
    }
    println!(
        "cargo:rustc-env=MIGRATIONS_FINGERPRINT={:016x}",
        hasher.finish()
    );
}
