// Finds libkeel (the embedding API's shared library) and links with it.
//
// Where: $KEEL_LIB_DIR when set (build/lib of a keel build tree, or
// <prefix>/lib of an install), else `pkg-config --variable=libdir keel`.
// Emits -lkeel, an rpath to that folder for this crate's own tests, and
// `cargo:libdir=DIR` (links = "keel"), which a dependent's build.rs reads as
// DEP_KEEL_LIBDIR to give its binaries the same rpath.
use std::path::{Path, PathBuf};
use std::process::Command;

fn from_pkg_config() -> Option<PathBuf> {
    let out = Command::new("pkg-config").args(["--variable=libdir", "keel"]).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let dir = text.trim();
    if dir.is_empty() {
        None
    } else {
        Some(PathBuf::from(dir))
    }
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=KEEL_LIB_DIR");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");

    let from_env = std::env::var_os("KEEL_LIB_DIR").filter(|dir| !dir.is_empty()).map(PathBuf::from);
    let (dir, source) = match from_env {
        Some(dir) => (dir, "KEEL_LIB_DIR"),
        None => match from_pkg_config() {
            Some(dir) => (dir, "pkg-config --variable=libdir keel"),
            None => {
                eprintln!(
                    "keel-embed: cannot find libkeel. Set KEEL_LIB_DIR to the folder holding \
                     libkeel.so: build/lib of a keel build tree (cmake --build build --target \
                     keel_shared) or <prefix>/lib of an installed keel."
                );
                std::process::exit(1);
            }
        },
    };
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    if !Path::new(&dir).join("libkeel.so").exists() {
        eprintln!(
            "keel-embed: {} names {}, which has no libkeel.so. Build it (cmake --build build \
             --target keel_shared) or point KEEL_LIB_DIR at the folder that has it.",
            source,
            dir.display()
        );
        std::process::exit(1);
    }
    println!("cargo:rerun-if-changed={}", dir.join("libkeel.so").display());
    println!("cargo:rustc-link-search=native={}", dir.display());
    println!("cargo:rustc-link-lib=dylib=keel");
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir.display());
    println!("cargo:libdir={}", dir.display());
    // For this crate's own tests (Options with no default path).
    println!("cargo:rustc-env=KEEL_EMBED_TEST_LIB_DIR={}", dir.display());
}
