// An rpath to libkeel's folder (keel-embed's build.rs found it and passes it
// on as DEP_KEEL_LIBDIR), so price_portfolio runs without LD_LIBRARY_PATH.
fn main() {
    if let Ok(dir) = std::env::var("DEP_KEEL_LIBDIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{}", dir);
    }
    println!("cargo:rerun-if-env-changed=DEP_KEEL_LIBDIR");
}
