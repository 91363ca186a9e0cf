fn main() {
    // Link with a version script: keel_plugin_entry is the only export.
    keel_sdk::build::export_only_entry();
}
