fn main() {
    // Export keel_plugin_entry and nothing else (ABI rule 1).
    keel_sdk::build::export_only_entry();
}
