//! price_portfolio: keel's Black-Scholes model from a Rust program.
//!
//!   price_portfolio [--plugin-path DIR] [PORTFOLIO.csv]   a table
//!   price_portfolio ... --bits                            IEEE-754 bits, for comparing callers
//!   price_portfolio --bench [--bench-scale F]             one line of JSON: the cost of a call
//!
//! See examples/embed/rust/README.md.
use std::path::PathBuf;
use std::process::exit;
use std::time::Instant;

use keel_embed::{GreeksVec, Keel, Model, OptionBatch, OptionContract, Options, Right};

/// The portfolio as columns, the way price_batch reads it.
struct Portfolio {
    symbol: Vec<String>,
    spot: Vec<f64>,
    strike: Vec<f64>,
    expiry: Vec<f64>,
    vol: Vec<f64>,
    rate: Vec<f64>,
    dividend: Vec<f64>,
    right: Vec<Right>,
}

impl Portfolio {
    fn with_capacity(n: usize) -> Portfolio {
        Portfolio {
            symbol: Vec::with_capacity(n),
            spot: Vec::with_capacity(n),
            strike: Vec::with_capacity(n),
            expiry: Vec::with_capacity(n),
            vol: Vec::with_capacity(n),
            rate: Vec::with_capacity(n),
            dividend: Vec::with_capacity(n),
            right: Vec::with_capacity(n),
        }
    }

    fn batch(&self) -> OptionBatch<'_> {
        OptionBatch {
            spot: &self.spot,
            strike: &self.strike,
            expiry: &self.expiry,
            vol: &self.vol,
            rate: &self.rate,
            dividend: &self.dividend,
            right: &self.right,
            exercise: None, // all European
        }
    }

    fn get(&self, i: usize) -> OptionContract {
        OptionContract::european(
            self.right[i],
            self.spot[i],
            self.strike[i],
            self.expiry[i],
            self.vol[i],
            self.rate[i],
            self.dividend[i],
        )
    }

    /// The bench's portfolio: option i of n as common.md's protocol says.
    fn generated(n: usize) -> Portfolio {
        let mut p = Portfolio::with_capacity(n);
        for i in 0..n {
            p.spot.push(100.0);
            p.strike.push(70.0 + (i % 61) as f64);
            p.expiry.push(0.05 + (i % 40) as f64 * 0.05);
            p.vol.push(0.10 + (i % 31) as f64 * 0.01);
            p.rate.push(0.03);
            p.dividend.push(0.01);
            p.right.push(if i % 2 == 0 { Right::Call } else { Right::Put });
        }
        p
    }
}

const HEADER: &str = "symbol,spot,strike,expiry,vol,rate,dividend,right";

fn read_csv(path: &PathBuf) -> Result<Portfolio, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {}", path.display(), e))?;
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header.trim_end_matches('\r') == HEADER => {}
        _ => return Err(format!("{}:1: the header must be `{}`", path.display(), HEADER)),
    }
    let mut p = Portfolio::with_capacity(16);
    for (index, line) in lines {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("{}:{}", path.display(), index + 1);
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        if fields.len() != 8 {
            return Err(format!("{}: {} fields, the header has 8", at, fields.len()));
        }
        let number = |k: usize| -> Result<f64, String> {
            fields[k]
                .parse::<f64>()
                .map_err(|_| format!("{}: {} {:?} is not a number", at, HEADER.split(',').nth(k).unwrap(), fields[k]))
        };
        p.symbol.push(fields[0].to_string());
        p.spot.push(number(1)?);
        p.strike.push(number(2)?);
        p.expiry.push(number(3)?);
        p.vol.push(number(4)?);
        p.rate.push(number(5)?);
        p.dividend.push(number(6)?);
        p.right.push(match fields[7] {
            "call" => Right::Call,
            "put" => Right::Put,
            other => return Err(format!("{}: right {:?} is not call or put", at, other)),
        });
    }
    Ok(p)
}

fn fail(message: impl std::fmt::Display) -> ! {
    eprintln!("price_portfolio: {}", message);
    exit(1)
}

fn usage() -> ! {
    eprintln!("usage: price_portfolio [--plugin-path DIR] [--bits | --bench [--bench-scale F]] [PORTFOLIO.csv]");
    exit(2)
}

/// ns per unit of the fastest of 5 runs of `run` (which does `units` units).
fn best_of_5(units: f64, mut run: impl FnMut()) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let start = Instant::now();
        run();
        best = best.min(start.elapsed().as_nanos() as f64 / units);
    }
    best
}

fn bench(model: &Model<'_>, scale: f64) {
    let scaled = |count: f64| ((count * scale).round() as usize).max(1);

    // One option, all greeks, over the first 1000 options cycled.
    let first = Portfolio::generated(1000);
    let options: Vec<OptionContract> = (0..1000).map(|i| first.get(i)).collect();
    let calls = scaled(200_000.0);
    let single = best_of_5(calls as f64, || {
        for k in 0..calls {
            if let Err(e) = model.price(&options[k % 1000]) {
                fail(e)
            }
        }
    });

    // One batch of 1,000 options, 1,000 times; outputs allocated once.
    let mut out = GreeksVec::zeros(1000);
    let repeats = scaled(1000.0);
    let batch_1k = best_of_5((repeats * 1000) as f64, || {
        let batch = first.batch();
        let mut into = out.as_out();
        for _ in 0..repeats {
            if let Err(e) = model.price_batch(&batch, &mut into) {
                fail(e)
            }
        }
    });

    // One batch of 1,000,000 options.
    let million = Portfolio::generated(1_000_000);
    let mut out = GreeksVec::zeros(1_000_000);
    let batch_1m = best_of_5(1e6, || {
        if let Err(e) = model.price_batch(&million.batch(), &mut out.as_out()) {
            fail(e)
        }
    });

    println!(
        "{{\"caller\": \"rust\", \"single_call_ns\": {:.3}, \"batch_1k_ns_per_option\": {:.3}, \"batch_1m_ns_per_option\": {:.3}}}",
        single, batch_1k, batch_1m
    );
}

fn main() {
    let mut plugin_path: Option<PathBuf> = None;
    let mut csv: Option<PathBuf> = None;
    let (mut bits, mut bench_mode, mut scale) = (false, false, 1.0f64);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--plugin-path" => plugin_path = Some(args.next().unwrap_or_else(|| usage()).into()),
            "--bits" => bits = true,
            "--bench" => bench_mode = true,
            "--bench-scale" => {
                let text = args.next().unwrap_or_else(|| usage());
                scale = match text.parse::<f64>() {
                    Ok(f) if f > 0.0 && f.is_finite() => f,
                    _ => fail(format!("--bench-scale {:?}: expected a number > 0", text)),
                };
            }
            "-h" | "--help" => usage(),
            other if other.starts_with('-') => {
                eprintln!("price_portfolio: unknown option {}", other);
                usage()
            }
            other => csv = Some(other.into()),
        }
    }

    let options = Options { plugin_path: plugin_path.into_iter().collect(), no_default_path: false };
    let keel = Keel::open_with(&options).unwrap_or_else(|e| fail(e));
    let model = keel.model("keel.black_scholes", "{}").unwrap_or_else(|e| fail(e));

    if bench_mode {
        bench(&model, scale);
        return;
    }

    // The portfolio: given, or keel's sample beside these sources.
    let csv = csv.unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/options.csv")));
    let portfolio = read_csv(&csv).unwrap_or_else(|e| fail(e));
    let mut out = GreeksVec::zeros(portfolio.symbol.len());
    model.price_batch(&portfolio.batch(), &mut out.as_out()).unwrap_or_else(|e| fail(e));
    drop(model);
    keel.close().unwrap_or_else(|e| fail(e));

    if bits {
        let mut text = String::from("symbol,price,delta,gamma,vega,theta,rho\n");
        for (i, symbol) in portfolio.symbol.iter().enumerate() {
            let g = out.get(i);
            text.push_str(symbol);
            for x in [g.price, g.delta, g.gamma, g.vega, g.theta, g.rho] {
                text.push_str(&format!(",{:016x}", x.to_bits()));
            }
            text.push('\n');
        }
        print!("{}", text);
    } else {
        println!(
            "{:<14} {:>12} {:>9} {:>9} {:>10} {:>10} {:>10}",
            "symbol", "price", "delta", "gamma", "vega", "theta", "rho"
        );
        for (i, symbol) in portfolio.symbol.iter().enumerate() {
            let g = out.get(i);
            println!(
                "{:<14} {:>12.6} {:>9.5} {:>9.5} {:>10.5} {:>10.5} {:>10.5}",
                symbol, g.price, g.delta, g.gamma, g.vega, g.theta, g.rho
            );
        }
    }
}
