//! keel-embed against the libkeel of a keel build (KEEL_LIB_DIR) and its
//! shipped plugins (found beside libkeel.so).

use keel_embed::{
    CalibrationQuote, ErrorCode, Exercise, GreeksOut, GreeksVec, Keel, OptionBatch, OptionContract, Options, Right,
};

fn haug_call() -> OptionContract {
    OptionContract::european(Right::Call, 60.0, 65.0, 0.25, 0.3, 0.08, 0.0)
}

/// A portfolio of n options as columns (the bench's generator).
struct Columns {
    spot: Vec<f64>,
    strike: Vec<f64>,
    expiry: Vec<f64>,
    vol: Vec<f64>,
    rate: Vec<f64>,
    dividend: Vec<f64>,
    right: Vec<Right>,
}

impl Columns {
    fn new(n: usize) -> Columns {
        Columns {
            spot: vec![100.0; n],
            strike: (0..n).map(|i| 70.0 + (i % 61) as f64).collect(),
            expiry: (0..n).map(|i| 0.05 + (i % 40) as f64 * 0.05).collect(),
            vol: (0..n).map(|i| 0.10 + (i % 31) as f64 * 0.01).collect(),
            rate: vec![0.03; n],
            dividend: vec![0.01; n],
            right: (0..n).map(|i| if i % 2 == 0 { Right::Call } else { Right::Put }).collect(),
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
            exercise: None,
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
}

#[test]
fn prices_haugs_call() {
    let keel = Keel::open().expect("open");
    let bs = keel.model("keel.black_scholes", "{}").expect("model");
    let g = bs.price(&haug_call()).expect("price");
    assert!((g.price - 2.13336844).abs() < 1e-7, "price {}", g.price);
    assert!(g.delta > 0.0 && g.delta < 1.0 && g.gamma > 0.0 && g.vega > 0.0);
    assert_eq!(bs.factory().unwrap(), "keel.black_scholes");
    assert_eq!(Keel::version().0, 1);
}

/// keel.black_scholes prices a batch with a SIMD kernel (libmvec's exp, log,
/// erfc), which agrees with its single-option price() to
/// 1e-14 * |value| + 1e-14 * max(spot, strike), not to the bit
/// (plugins/black_scholes/math/bsm.hpp); rows outside whole SIMD blocks are
/// priced by price() itself, so a batch of fewer than 4 is bit-identical.
fn assert_close(single: f64, batched: f64, scale: f64, what: &str) {
    let tolerance = 1e-14 * single.abs() + 1e-14 * scale;
    assert!((single - batched).abs() <= tolerance, "{}: {} vs {}", what, single, batched);
}

fn bits(g: keel_embed::Greeks) -> [u64; 6] {
    [g.price, g.delta, g.gamma, g.vega, g.theta, g.rho].map(f64::to_bits)
}

#[test]
fn a_batch_agrees_with_single_calls() {
    let keel = Keel::open().unwrap();
    let bs = keel.model("keel.black_scholes", "{}").unwrap();
    let cols = Columns::new(200);
    let mut out = GreeksVec::zeros(200);
    bs.price_batch(&cols.batch(), &mut out.as_out()).unwrap();
    for i in 0..200 {
        let single = bs.price(&cols.get(i)).unwrap();
        let batched = out.get(i);
        let scale = cols.spot[i].max(cols.strike[i]);
        for (k, (s, b)) in bits(single).iter().zip(bits(batched).iter()).enumerate() {
            assert_close(f64::from_bits(*s), f64::from_bits(*b), scale, &format!("option {} output {}", i, k));
        }
    }
    // The same call again, and into new vectors: the same bits.
    assert_eq!(bs.price_batch_vec(&cols.batch()).unwrap(), out);

    // Fewer rows than a SIMD block: price() itself, bit for bit.
    let small = Columns::new(3);
    let mut out = GreeksVec::zeros(3);
    bs.price_batch(&small.batch(), &mut out.as_out()).unwrap();
    for i in 0..3 {
        assert_eq!(bits(bs.price(&small.get(i)).unwrap()), bits(out.get(i)), "option {}", i);
    }
}

#[test]
fn prices_only_when_no_greek_is_asked_for() {
    let keel = Keel::open().unwrap();
    let bs = keel.model("keel.black_scholes", "{}").unwrap();
    let cols = Columns::new(200);
    let all = bs.price_batch_vec(&cols.batch()).unwrap();
    let mut price = vec![0.0; 200];
    bs.price_batch(&cols.batch(), &mut GreeksOut::price_only(&mut price)).unwrap();
    for i in 0..200 {
        assert_eq!(price[i].to_bits(), all.price[i].to_bits(), "option {}", i);
    }
}

#[test]
fn unequal_lengths_are_refused_before_libkeel_is_called() {
    let keel = Keel::open().unwrap();
    let bs = keel.model("keel.black_scholes", "{}").unwrap();
    let cols = Columns::new(4);
    let mut batch = cols.batch();
    batch.strike = &cols.strike[..3];
    let mut out = GreeksVec::zeros(4);
    out.price = vec![42.0; 4];
    let e = bs.price_batch(&batch, &mut out.as_out()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArgument);
    assert!(e.message().contains("`strike` has 3 elements but the batch has 4"), "{}", e);
    assert_eq!(out.price, vec![42.0; 4], "nothing was written");

    let mut short = vec![0.0; 3];
    let e = bs.price_batch(&cols.batch(), &mut GreeksOut::price_only(&mut short)).unwrap_err();
    assert!(e.message().contains("`price` has 3 elements"), "{}", e);

    let mut exercise_batch = cols.batch();
    exercise_batch.exercise = Some(&[Exercise::European]);
    let e = bs.price_batch(&exercise_batch, &mut out.as_out()).unwrap_err();
    assert!(e.message().contains("`exercise` has 1 elements"), "{}", e);
}

#[test]
fn a_failing_item_is_nan_with_its_status_and_named_in_the_error() {
    let keel = Keel::open().unwrap();
    let bs = keel.model("keel.black_scholes", "{}").unwrap();
    let mut cols = Columns::new(3);
    cols.spot[1] = -1.0;
    let mut out = GreeksVec::zeros(3);
    let mut status = [-1; 3];
    let mut g = out.as_out();
    g.status = Some(&mut status);
    let e = bs.price_batch(&cols.batch(), &mut g).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArgument);
    assert!(e.message().contains('1'), "names the index: {}", e);
    assert_eq!(status[0], 0);
    assert_eq!(status[1], ErrorCode::InvalidArgument.raw());
    assert!(out.price[1].is_nan() && out.price[0].is_finite() && out.price[2].is_finite());
}

#[test]
fn an_unknown_model_is_not_found_and_named() {
    let keel = Keel::open().unwrap();
    let e = keel.model("keel.no_such_model", "{}").unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);
    assert!(e.message().contains("keel.no_such_model"), "{}", e);
    assert!(e.to_string().starts_with("not found: "), "{}", e);
    let e = keel.model("keel.black_scholes", "{\"nope\": 1}").unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArgument, "{}", e);
    let e = keel.model("keel.black\0scholes", "{}").unwrap_err();
    assert!(e.message().contains("NUL"), "{}", e);
}

#[test]
fn models_drop_before_their_host_closes_cleanly() {
    let keel = Keel::open().unwrap();
    let a = keel.model("keel.black_scholes", "{}").unwrap();
    let b = keel.model("keel.black_scholes", "{}").unwrap();
    drop(a);
    assert!(b.price(&haug_call()).is_ok());
    drop(b);
    // close answers KEEL_OK only when every model was dropped (by Drop).
    keel.close().expect("every model was dropped");
}

#[test]
fn a_leaked_model_is_dropped_by_close_which_says_so() {
    let keel = Keel::open().unwrap();
    std::mem::forget(keel.model("keel.black_scholes", "{}").unwrap());
    let e = keel.close().unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArgument);
    assert!(e.message().contains("keel.black_scholes"), "{}", e);
}

#[test]
fn only_the_given_path_is_searched_without_the_default_one() {
    let options = Options { plugin_path: vec![], no_default_path: true };
    let keel = Keel::open_with(&options).unwrap();
    assert_eq!(keel.model("keel.black_scholes", "{}").unwrap_err().code(), ErrorCode::NotFound);
    let plugins = std::path::Path::new(env!("KEEL_EMBED_TEST_LIB_DIR")).join("keel/plugins");
    keel.load(&plugins).unwrap();
    assert!(keel.model("keel.black_scholes", "{}").is_ok());
    let e = keel.load("/no/such/plugin.so").unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);

    let keel = Keel::open_with(&Options { plugin_path: vec![plugins], no_default_path: true }).unwrap();
    assert!(keel.model("keel.black_scholes", "").is_ok());
    let bad = Options { plugin_path: vec!["/a:b".into()], no_default_path: false };
    assert_eq!(Keel::open_with(&bad).unwrap_err().code(), ErrorCode::InvalidArgument);
}

#[test]
fn implied_vol_recovers_the_pricing_vol() {
    let keel = Keel::open().unwrap();
    let bs = keel.model("keel.black_scholes", "{}").unwrap();
    let mut option = haug_call();
    option.vol = 0.23;
    let premium = bs.price(&option).unwrap().price;
    let vol = bs.implied_vol(&option, premium).unwrap();
    assert!((vol - 0.23).abs() < 1e-8, "{}", vol);

    // Near the money: a deep in-the-money premium sits on its bound.
    let mut cols = Columns::new(50);
    for i in 0..50 {
        cols.strike[i] = 90.0 + (i % 21) as f64;
        cols.expiry[i] = 0.25 + (i % 4) as f64 * 0.25;
    }
    let premiums = bs.price_batch_vec(&cols.batch()).unwrap().price;
    let mut batch = cols.batch();
    batch.vol = &[]; // not read
    let mut vols = vec![0.0; 50];
    let mut status = vec![-1; 50];
    bs.implied_vol_batch(&batch, &premiums, &mut vols, Some(&mut status)).unwrap();
    for i in 0..50 {
        assert_eq!(status[i], 0);
        assert!((vols[i] - cols.vol[i]).abs() < 1e-6, "option {}: {} vs {}", i, vols[i], cols.vol[i]);
    }
    let e = bs.implied_vol(&option, 1000.0).unwrap_err(); // above the spot
    assert_eq!(e.code(), ErrorCode::NoSolution, "{}", e);
}

#[test]
fn calibrate_returns_a_report_that_owns_its_capsule() {
    let keel = Keel::open().unwrap();
    let mut bs = keel.model("keel.black_scholes", "{}").unwrap();
    let quotes: Vec<CalibrationQuote> = [80.0, 90.0, 100.0, 110.0, 120.0]
        .iter()
        .map(|&strike| {
            let option = OptionContract::european(Right::Call, 100.0, strike, 0.5, 0.25, 0.03, 0.0);
            CalibrationQuote { option, premium: bs.price(&option).unwrap().price, weight: 1.0 }
        })
        .collect();
    let report = bs.calibrate(&quotes).unwrap();
    assert!(report.converged(), "{}", report.message());
    let params = report.parameters();
    assert_eq!(params.len(), 1);
    assert_eq!(params[0].0, "vol");
    assert!((params[0].1 - 0.25).abs() < 1e-6, "{:?}", params);
    assert_eq!(report.residuals().len(), quotes.len());
    assert!(report.rmse() < 1e-6);
    assert!(!report.message().is_empty());
    // The report may outlive the model and the host (plugins stay loaded).
    drop(bs);
    keel.close().unwrap();
    assert_eq!(report.residuals().len(), 5);
    assert_eq!(report.parameters()[0].0, "vol");
}

#[test]
fn one_host_and_model_serve_several_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Keel>();
    send_sync::<keel_embed::Model<'static>>();
    send_sync::<keel_embed::CalibrationReport>();

    let keel = Keel::open().unwrap();
    let bs = keel.model("keel.black_scholes", "{}").unwrap();
    let expected = bs.price(&haug_call()).unwrap();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..1000 {
                    assert_eq!(bs.price(&haug_call()).unwrap(), expected);
                }
            });
        }
    });
}
