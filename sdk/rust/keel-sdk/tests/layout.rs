//! The Rust mirrors in `keel_sdk::ffi` against the C headers they mirror:
//! this test writes a C program that prints the size and alignment of every
//! ABI struct, the offset of every field and the value of every constant,
//! compiles it against `sdk/include` with the system C compiler (`$CC`, else
//! `cc`), runs it, and compares each number with what rustc computed for the
//! same fact. One list below feeds both sides, so they cannot drift apart.

use std::collections::BTreeMap;
use std::mem::{align_of, size_of, MaybeUninit};
use std::path::PathBuf;
use std::process::Command;

use keel_sdk::ffi::*;

struct Fact {
    c_expression: String,
    rust_value: u64,
}

/// For each struct: sizeof, alignment and the offset of every field.
macro_rules! struct_facts {
    ($facts:ident; $($ty:ident { $($field:ident),* $(,)? })*) => {$(
        $facts.push(Fact { c_expression: format!("sizeof({})", stringify!($ty)), rust_value: size_of::<$ty>() as u64 });
        $facts.push(Fact { c_expression: format!("_Alignof({})", stringify!($ty)), rust_value: align_of::<$ty>() as u64 });
        $(
            let value = MaybeUninit::<$ty>::uninit();
            let base = value.as_ptr();
            let field = unsafe { std::ptr::addr_of!((*base).$field) } as usize;
            $facts.push(Fact {
                c_expression: format!("offsetof({}, {})", stringify!($ty), stringify!($field).trim_start_matches("r#")),
                rust_value: (field - base as usize) as u64,
            });
        )*
    )*};
}

/// Constants: the C macro or enum name and the Rust constant of that name.
macro_rules! constant_facts {
    ($facts:ident; $($name:ident),* $(,)?) => {$(
        $facts.push(Fact { c_expression: stringify!($name).to_string(), rust_value: $name as u64 });
    )*};
}

fn facts() -> Vec<Fact> {
    let mut facts = Vec::new();
    struct_facts!(facts;
        keel_error_t { code, message }
        keel_model_handle_t { bits }
        keel_strategy_handle_t { bits }
        keel_order_handle_t { bits }
        keel_timer_handle_t { bits }
        keel_capsule_t { tag, data, len, cap, destroy, destroy_context }
        keel_instrument_info_t { struct_size, id, symbol, kind, right, exercise, underlying, strike, expiry,
                                 tick_size, lot_size, multiplier }
        keel_quote_t { ts, instrument, reserved, bid, bid_size, ask, ask_size }
        keel_trade_t { ts, instrument, reserved, price, size }
        keel_bar_t { ts, instrument, reserved, open, high, low, close, volume }
        keel_order_request_t { struct_size, instrument, side, r#type, time_in_force, reserved, quantity,
                               limit_price, stop_price, client_tag }
        keel_order_update_t { ts, order, order_id, client_tag, instrument, state, filled_quantity,
                              remaining_quantity, average_fill_price, reason }
        keel_fill_t { ts, order, order_id, client_tag, instrument, side, liquidity, reserved, quantity, price, fee }
        keel_timer_event_t { ts, timer, cookie }
        keel_book_update_t { ts, instrument, side, price, size, exch_ts }
        keel_book_level_t { price, size }
        keel_event_t { kind, reserved, r#as }
        keel_position_t { instrument, reserved, quantity, average_price, realized_pnl, unrealized_pnl, fees, mark_price }
        keel_account_t { cash, equity, realized_pnl, unrealized_pnl, fees, gross_notional }
        keel_option_t { spot, strike, expiry, vol, rate, dividend, right, exercise }
        keel_greeks_t { price, delta, gamma, vega, theta, rho }
        keel_option_batch_t { count, spot, strike, expiry, vol, rate, dividend, right, exercise }
        keel_greeks_batch_t { price, delta, gamma, vega, theta, rho, status }
        keel_calibration_quote_t { option, premium, weight }
        keel_calibration_report_t { struct_size, converged, iterations, reserved, parameter_count, parameter_names,
                                    parameters, residual_count, residuals, rmse, message }
        keel_pricing_model_vtable_t { struct_size, price, price_batch, implied_vol, implied_vol_batch, calibrate,
                                      get_extension }
        keel_strategy_start_t { struct_size, reserved, start_time, name, instrument_count, instruments }
        keel_strategy_vtable_t { struct_size, on_start, on_quote, on_trade, on_bar, on_order_update, on_fill,
                                 on_timer, on_stop, on_events, get_extension, on_book }
        keel_strategy_events_consumed_ext_t { struct_size, events_consumed, batch_cursor }
        keel_host_t { struct_size, abi_major, abi_minor, reserved, host_name, host_version, host_data, log, now,
                      instrument_find, instrument_get, order_submit, order_cancel, position_get, account_get,
                      timer_set, timer_cancel, model_lookup, model_create, model_drop, model_price,
                      model_price_batch, model_implied_vol, model_implied_vol_batch, model_calibrate,
                      capsule_check, capsule_release, get_extension, book_levels }
        keel_build_info_t { sdk_version, language, compiler, pointer_size, reserved }
        keel_factory_t { struct_size, reserved, kind, id, description, params_schema, create, drop, methods,
                         context, create_with_context }
        keel_plugin_descriptor_t { magic, abi_major, abi_minor, struct_size, reserved, id, name, version, vendor,
                                   description, build, factory_count, factories, get_extension }
    );
    // The union's members all start at its beginning.
    facts.push(Fact { c_expression: "sizeof(((keel_event_t*)0)->as)".into(), rust_value: size_of::<keel_event_payload_t>() as u64 });
    constant_facts!(facts;
        KEEL_ABI_VERSION_MAJOR, KEEL_ABI_VERSION_MINOR,
        KEEL_OK, KEEL_ERR_INVALID_ARGUMENT, KEEL_ERR_UNSUPPORTED, KEEL_ERR_STALE_HANDLE, KEEL_ERR_WRONG_KIND,
        KEEL_ERR_NOT_FOUND, KEEL_ERR_NO_SOLUTION, KEEL_ERR_NOT_CONVERGED, KEEL_ERR_BAD_CAPSULE, KEEL_ERR_REJECTED,
        KEEL_ERR_OUT_OF_MEMORY, KEEL_ERR_PLUGIN_FAULT, KEEL_ERR_POISONED, KEEL_ERR_INTERNAL, KEEL_ERR_WRONG_THREAD, KEEL_STATUS_LAST,
        KEEL_ERROR_MESSAGE_CAPACITY,
        KEEL_HANDLE_KIND_NONE, KEEL_HANDLE_KIND_MODEL, KEEL_HANDLE_KIND_STRATEGY, KEEL_HANDLE_KIND_ORDER,
        KEEL_HANDLE_KIND_TIMER, KEEL_NULL_HANDLE, KEEL_NO_INSTRUMENT,
        KEEL_INSTRUMENT_EQUITY, KEEL_INSTRUMENT_FUTURE, KEEL_INSTRUMENT_OPTION, KEEL_RIGHT_CALL, KEEL_RIGHT_PUT,
        KEEL_EXERCISE_EUROPEAN, KEEL_EXERCISE_AMERICAN,
        KEEL_SIDE_BUY, KEEL_SIDE_SELL, KEEL_ORDER_MARKET, KEEL_ORDER_LIMIT, KEEL_ORDER_STOP, KEEL_ORDER_STOP_LIMIT,
        KEEL_TIF_GTC, KEEL_TIF_IOC, KEEL_TIF_FOK,
        KEEL_ORDER_PENDING, KEEL_ORDER_ACCEPTED, KEEL_ORDER_PARTIALLY_FILLED, KEEL_ORDER_FILLED,
        KEEL_ORDER_CANCELED, KEEL_ORDER_REJECTED, KEEL_ORDER_EXPIRED,
        KEEL_LIQUIDITY_MAKER, KEEL_LIQUIDITY_TAKER,
        KEEL_EVENT_QUOTE, KEEL_EVENT_TRADE, KEEL_EVENT_BAR, KEEL_EVENT_ORDER_UPDATE, KEEL_EVENT_FILL, KEEL_EVENT_TIMER,
        KEEL_EVENT_BOOK, KEEL_BOOK_BID, KEEL_BOOK_ASK,
        KEEL_LOG_TRACE, KEEL_LOG_DEBUG, KEEL_LOG_INFO, KEEL_LOG_WARN, KEEL_LOG_ERROR,
        KEEL_PLUGIN_MAGIC,
    );
    facts
}

/// String constants: the C macro and the Rust constant.
fn string_facts() -> Vec<(&'static str, &'static str)> {
    vec![
        ("KEEL_SDK_VERSION_STRING", KEEL_SDK_VERSION_STRING),
        ("KEEL_CAPSULE_TAG_F64_VEC", KEEL_CAPSULE_TAG_F64_VEC),
        ("KEEL_CAPSULE_TAG_BYTES", KEEL_CAPSULE_TAG_BYTES),
        ("KEEL_CAPSULE_TAG_CALIBRATION", KEEL_CAPSULE_TAG_CALIBRATION),
        ("KEEL_KIND_PRICING_MODEL", KEEL_KIND_PRICING_MODEL),
        ("KEEL_KIND_PRICING_MODEL_1_0", KEEL_KIND_PRICING_MODEL_1_0),
        ("KEEL_KIND_STRATEGY", KEEL_KIND_STRATEGY),
        ("KEEL_STRATEGY_EXT_EVENTS_CONSUMED", KEEL_STRATEGY_EXT_EVENTS_CONSUMED),
        ("KEEL_ENTRY_SYMBOL", KEEL_ENTRY_SYMBOL),
    ]
}

fn c_facts(facts: &[Fact]) -> BTreeMap<String, String> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let include = manifest.join("../../include");
    assert!(include.join("keel/keel.h").exists(), "C headers not found at {}", include.display());
    let work = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("layout-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();

    let mut program = String::from("#include <stdio.h>\n#include \"keel/keel.h\"\nint main(void) {\n");
    for fact in facts {
        program += &format!(
            "  printf(\"%s=%llu\\n\", \"{0}\", (unsigned long long)({0}));\n",
            fact.c_expression
        );
    }
    for (name, _) in string_facts() {
        program += &format!("  printf(\"%s=%s\\n\", \"{0}\", {0});\n", name);
    }
    program += "  return 0;\n}\n";
    let source = work.join("layout_facts.c");
    let binary = work.join("layout_facts");
    std::fs::write(&source, program).unwrap();

    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let compiled = Command::new(&compiler)
        .args(["-std=c11", "-Wall", "-Wextra", "-pedantic", "-Werror", "-I"])
        .arg(&include)
        .arg("-o")
        .arg(&binary)
        .arg(&source)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the C compiler '{}': {} (set CC)", compiler, e));
    assert!(compiled.status.success(), "C compile failed:\n{}", String::from_utf8_lossy(&compiled.stderr));
    let run = Command::new(&binary).output().expect("run the C facts program");
    assert!(run.status.success());
    let _ = std::fs::remove_dir_all(&work);
    String::from_utf8(run.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let (key, value) = line.split_once('=').unwrap();
            (key.to_string(), value.to_string())
        })
        .collect()
}

#[test]
fn rust_mirrors_match_the_c_headers() {
    let facts = facts();
    assert!(facts.len() > 300, "only {} facts", facts.len());
    let c = c_facts(&facts);
    let mut mismatches = Vec::new();
    for fact in &facts {
        let c_value = &c[&fact.c_expression];
        if *c_value != fact.rust_value.to_string() {
            mismatches.push(format!("{}: C {} vs Rust {}", fact.c_expression, c_value, fact.rust_value));
        }
    }
    for (name, rust) in string_facts() {
        if c[name] != rust {
            mismatches.push(format!("{}: C \"{}\" vs Rust \"{}\"", name, c[name], rust));
        }
    }
    assert!(mismatches.is_empty(), "layout differs from C:\n{}", mismatches.join("\n"));
}

#[test]
fn capsule_tag_constants_agree() {
    assert_eq!(keel_sdk::capsule::TAG_F64_VEC.to_str().unwrap(), KEEL_CAPSULE_TAG_F64_VEC);
    assert_eq!(keel_sdk::capsule::TAG_BYTES.to_str().unwrap(), KEEL_CAPSULE_TAG_BYTES);
    assert_eq!(keel_sdk::capsule::TAG_CALIBRATION.to_str().unwrap(), KEEL_CAPSULE_TAG_CALIBRATION);
}
