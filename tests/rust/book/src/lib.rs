//! keel_test.rust_book — a strategy that wants the order book (ABI 1.2): it
//! logs every book update and, after each, the top two bid levels as
//! `Host::book_levels` gives them (or its error). Built for the host tests
//! of the Rust SDK's depth support (tests/rust/book_run_test.cpp).

use keel_sdk::{keel_plugin, BookLevel, BookSide, BookUpdate, Host, KeelResult, Params, Strategy};

pub struct BookLogger {
    host: Host,
    levels: [BookLevel; 2],
}

impl Strategy for BookLogger {
    const ID: &'static str = "keel_test.rust_book";
    const DESCRIPTION: &'static str = "Logs the order book";
    const WANTS_BOOK: bool = true;

    fn create(_params: &mut Params, host: Host) -> KeelResult<Self> {
        Ok(BookLogger { host, levels: [BookLevel::default(); 2] })
    }

    fn on_book(&mut self, update: &BookUpdate) -> KeelResult<()> {
        let side = if update.side == BookSide::Bid { "bid" } else { "ask" };
        self.host.info(&format!(
            "book ts={} {} {} x {} exch_ts={}",
            update.ts, side, update.price, update.size, update.exch_ts
        ));
        let text = match self.host.book_levels(update.instrument, BookSide::Bid, &mut self.levels) {
            Ok(bids) => bids.iter().map(|l| format!("{}x{}", l.price, l.size)).collect::<Vec<_>>().join(" "),
            Err(error) => format!(": {}", error.message),
        };
        self.host.info(&format!("bids {}", text));
        Ok(())
    }
}

keel_plugin! {
    id: "keel_test.rust_book",
    name: "Rust SDK depth test plugin",
    version: "0.0.1",
    vendor: "keel tests",
    description: "Logs the order book.",
    strategies: [BookLogger],
}
