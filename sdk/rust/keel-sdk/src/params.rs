//! Strict, typed access to a factory's JSON params, as the C++ SDK's
//! `keel::sdk::Params`:
//!
//! ```
//! # use keel_sdk::Params;
//! let mut p = Params::parse(Some(r#"{"vol": 0.2, "paths": 1000}"#)).unwrap();
//! let vol = p.number_in("vol", Some(0.2), 0.0, f64::INFINITY).unwrap();
//! let paths = p.integer("paths", Some(100_000), 1, 1 << 32).unwrap();
//! p.reject_unknown().unwrap();
//! # assert_eq!((vol, paths), (0.2, 1000));
//! ```
//!
//! Every failure is a `KEEL_ERR_INVALID_ARGUMENT` whose message starts with
//! the param's JSON pointer and says what was expected and what was found:
//! `/paths: expected an integer in [1, 4294967296], got 1.5`. A key that no
//! accessor asked for is rejected by [`Params::reject_unknown`]:
//! `/pahts: unknown param; did you mean 'paths'? (known: paths vol)`.
//! Nested objects are read with [`Params::object`], whose pointers continue
//! the parent's (`/barrier/level`). A `null` value counts as absent for an
//! accessor that has a default.

use std::collections::BTreeSet;

use crate::error::{KeelError, KeelResult};
use crate::json::Json;

#[derive(Clone, Debug)]
pub struct Params {
    pointer: String,
    members: Vec<(String, Json)>,
    used: BTreeSet<String>,
}

impl Params {
    /// Parses the params text a factory's `create` receives (`None` or an
    /// empty string mean `{}`).
    pub fn parse(text: Option<&str>) -> KeelResult<Params> {
        let text = match text {
            Some(text) if !text.trim().is_empty() => text,
            _ => "{}",
        };
        match Json::parse(text) {
            Ok(json) => Self::from_json("", json),
            Err(why) => Err(KeelError::invalid_argument(format!("params are not valid JSON: {}: {}", why, text))),
        }
    }

    /// Params from an already-parsed object found at JSON pointer `pointer`
    /// ("" for the root).
    pub fn from_json(pointer: &str, json: Json) -> KeelResult<Params> {
        match json {
            Json::Object(members) => Ok(Params { pointer: pointer.to_string(), members, used: BTreeSet::new() }),
            other => {
                let what = if pointer.is_empty() { "params".to_string() } else { pointer.to_string() + ":" };
                Err(KeelError::invalid_argument(format!("{} must be a JSON object, got {}", what, other)))
            }
        }
    }

    /// The JSON pointer of `key` in this object.
    pub fn pointer_of(&self, key: &str) -> String {
        format!("{}/{}", self.pointer, key.replace('~', "~0").replace('/', "~1"))
    }

    pub fn has(&self, key: &str) -> bool {
        self.members.iter().any(|(k, _)| k == key)
    }

    fn find(&mut self, key: &str, optional: bool) -> KeelResult<Option<Json>> {
        self.used.insert(key.to_string());
        match self.members.iter().find(|(k, _)| k == key) {
            Some((_, Json::Null)) if optional => Ok(None),
            Some((_, value)) => Ok(Some(value.clone())),
            None if optional => Ok(None),
            None => Err(KeelError::invalid_argument(format!("{}: required param missing", self.pointer_of(key)))),
        }
    }

    fn fail<T>(&self, key: &str, expected: &str, got: &Json) -> KeelResult<T> {
        Err(KeelError::invalid_argument(format!("{}: expected {}, got {}", self.pointer_of(key), expected, got)))
    }

    /// A finite number; `default` when absent (required when `None`).
    pub fn number(&mut self, key: &str, default: Option<f64>) -> KeelResult<f64> {
        self.number_in(key, default, f64::NEG_INFINITY, f64::INFINITY)
    }

    /// A finite number in `[min, max]`.
    pub fn number_in(&mut self, key: &str, default: Option<f64>, min: f64, max: f64) -> KeelResult<f64> {
        let value = match self.find(key, default.is_some())? {
            Some(value) => value,
            None => return Ok(default.unwrap_or_default()),
        };
        let number = match value.as_f64() {
            Some(number) if number.is_finite() => number,
            _ => return self.fail(key, "a finite number", &value),
        };
        if number < min || number > max {
            return self.fail(key, &format!("a number in [{}, {}]", min, max), &value);
        }
        Ok(number)
    }

    /// An integer (written without fraction or exponent) in `[min, max]`.
    pub fn integer(&mut self, key: &str, default: Option<i64>, min: i64, max: i64) -> KeelResult<i64> {
        let value = match self.find(key, default.is_some())? {
            Some(value) => value,
            None => return Ok(default.unwrap_or_default()),
        };
        match value.as_i64() {
            Some(integer) if integer >= min && integer <= max => Ok(integer),
            Some(_) => self.fail(key, &format!("an integer in [{}, {}]", min, max), &value),
            None => self.fail(key, &format!("an integer in [{}, {}]", min, max), &value),
        }
    }

    /// An integer in `[min, max]`, or `None` when absent (or null): for
    /// params without a default value.
    pub fn optional_integer(&mut self, key: &str, min: i64, max: i64) -> KeelResult<Option<i64>> {
        match self.find(key, true)? {
            None => Ok(None),
            Some(_) => self.integer(key, None, min, max).map(Some),
        }
    }

    pub fn string(&mut self, key: &str, default: Option<&str>) -> KeelResult<String> {
        let value = match self.find(key, default.is_some())? {
            Some(value) => value,
            None => return Ok(default.unwrap_or_default().to_string()),
        };
        match value.as_str() {
            Some(text) => Ok(text.to_string()),
            None => self.fail(key, "a string", &value),
        }
    }

    /// One of `choices` (a string).
    pub fn choice(&mut self, key: &str, default: Option<&str>, choices: &[&str]) -> KeelResult<String> {
        let text = self.string(key, default)?;
        if choices.iter().any(|c| *c == text) {
            Ok(text)
        } else {
            let expected = format!("one of {}", choices.iter().map(|c| format!("\"{}\"", c)).collect::<Vec<_>>().join(", "));
            self.fail(key, &expected, &Json::String(text))
        }
    }

    pub fn boolean(&mut self, key: &str, default: Option<bool>) -> KeelResult<bool> {
        let value = match self.find(key, default.is_some())? {
            Some(value) => value,
            None => return Ok(default.unwrap_or_default()),
        };
        match value.as_bool() {
            Some(b) => Ok(b),
            None => self.fail(key, "true or false", &value),
        }
    }

    /// Any value, for the plugin to read itself; `None` when absent or null.
    pub fn value(&mut self, key: &str) -> Option<Json> {
        self.find(key, true).unwrap_or(None)
    }

    /// A nested object as Params whose messages carry its pointer; `None`
    /// when absent. Call `reject_unknown` on it too.
    pub fn object(&mut self, key: &str) -> KeelResult<Option<Params>> {
        match self.find(key, true)? {
            None => Ok(None),
            Some(Json::Object(members)) => {
                Ok(Some(Params { pointer: self.pointer_of(key), members, used: BTreeSet::new() }))
            }
            Some(other) => self.fail(key, "an object", &other),
        }
    }

    /// An array; `None` when absent. Items are addressed as `<pointer>/<i>`.
    pub fn array(&mut self, key: &str) -> KeelResult<Option<Vec<Json>>> {
        match self.find(key, true)? {
            None => Ok(None),
            Some(Json::Array(items)) => Ok(Some(items)),
            Some(other) => self.fail(key, "an array", &other),
        }
    }

    /// An array of objects, each as Params (`/legs/0`, `/legs/1`, ...).
    pub fn objects(&mut self, key: &str) -> KeelResult<Vec<Params>> {
        let pointer = self.pointer_of(key);
        let items = self.array(key)?.unwrap_or_default();
        items.into_iter().enumerate().map(|(i, item)| Params::from_json(&format!("{}/{}", pointer, i), item)).collect()
    }

    /// Fails for the first key no accessor asked for, suggesting the nearest
    /// known key when it is a near miss (edit distance below 3).
    pub fn reject_unknown(&self) -> KeelResult<()> {
        for (key, _) in &self.members {
            if self.used.contains(key) {
                continue;
            }
            let mut message = format!("{}: unknown param", self.pointer_of(key));
            if let Some(near) = self.nearest(key) {
                message += &format!("; did you mean '{}'?", near);
            }
            if !self.used.is_empty() {
                message += " (known:";
                for known in &self.used {
                    message += " ";
                    message += known;
                }
                message += ")";
            }
            return Err(KeelError::invalid_argument(message));
        }
        Ok(())
    }

    fn nearest(&self, key: &str) -> Option<&str> {
        let mut best = None;
        let mut best_distance = 3;
        for candidate in &self.used {
            let distance = edit_distance(key, candidate);
            if distance < best_distance {
                best_distance = distance;
                best = Some(candidate.as_str());
            }
        }
        best
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut diagonal = row[0];
        row[0] = i;
        for j in 1..=b.len() {
            let above = row[j];
            let substitution = diagonal + usize::from(a[i - 1] != b[j - 1]);
            row[j] = (row[j] + 1).min(row[j - 1] + 1).min(substitution);
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::KEEL_ERR_INVALID_ARGUMENT;

    fn message<T: std::fmt::Debug>(result: KeelResult<T>) -> String {
        let error = result.unwrap_err();
        assert_eq!(error.status, KEEL_ERR_INVALID_ARGUMENT);
        error.message
    }

    #[test]
    fn typed_accessors_with_defaults() {
        let mut p = Params::parse(Some(r#"{"n": 3, "x": 1.5, "s": "abc", "b": false, "z": null}"#)).unwrap();
        assert_eq!(p.integer("n", None, 0, 10).unwrap(), 3);
        assert_eq!(p.number("x", None).unwrap(), 1.5);
        assert_eq!(p.number("n", None).unwrap(), 3.0, "an integer is a number too");
        assert_eq!(p.string("s", None).unwrap(), "abc");
        assert!(!p.boolean("b", Some(true)).unwrap());
        assert_eq!(p.number("z", Some(7.0)).unwrap(), 7.0, "null is absent");
        assert_eq!(p.integer("missing", Some(42), 0, 100).unwrap(), 42);
        assert_eq!(p.optional_integer("n", 0, 10).unwrap(), Some(3));
        assert_eq!(p.optional_integer("z", 0, 10).unwrap(), None);
        assert_eq!(p.optional_integer("absent", 0, 10).unwrap(), None);
        assert!(p.reject_unknown().is_ok());
        for text in [None, Some(""), Some("  ")] {
            assert!(Params::parse(text).unwrap().reject_unknown().is_ok());
        }
    }

    #[test]
    fn messages_name_the_pointer_the_expectation_and_the_value() {
        let mut p = Params::parse(Some(r#"{"n": 1.5, "m": 0, "x": "a", "b": 1, "c": "red"}"#)).unwrap();
        assert_eq!(message(p.integer("n", Some(1), 1, 10)), "/n: expected an integer in [1, 10], got 1.5");
        assert_eq!(message(p.integer("m", Some(1), 1, 10)), "/m: expected an integer in [1, 10], got 0");
        assert_eq!(message(p.number("x", None)), "/x: expected a finite number, got \"a\"");
        assert_eq!(message(p.boolean("b", None)), "/b: expected true or false, got 1");
        assert_eq!(message(p.choice("c", None, &["call", "put"])), "/c: expected one of \"call\", \"put\", got \"red\"");
        assert_eq!(message(p.number("req", None)), "/req: required param missing");
        let mut q = Params::parse(Some(r#"{"vol": -1}"#)).unwrap();
        assert_eq!(message(q.number_in("vol", None, 0.0, 5.0)), "/vol: expected a number in [0, 5], got -1");
    }

    #[test]
    fn unknown_keys_are_rejected_with_a_suggestion() {
        let mut p = Params::parse(Some(r#"{"pahts": 10, "seed": 1}"#)).unwrap();
        p.integer("paths", Some(1), 1, 100).unwrap();
        p.integer("seed", Some(1), 0, 100).unwrap();
        assert_eq!(message(p.reject_unknown()), "/pahts: unknown param; did you mean 'paths'? (known: paths seed)");
        let p = Params::parse(Some(r#"{"completely_different": 1}"#)).unwrap();
        assert_eq!(message(p.reject_unknown()), "/completely_different: unknown param");
    }

    #[test]
    fn nested_objects_and_arrays_carry_their_pointer() {
        let mut p = Params::parse(Some(r#"{"risk": {"max_qty": 5, "max_qtx": 1}, "legs": [{"k": 1}, {"k": "x"}], "a/b": {}}"#))
            .unwrap();
        let mut risk = p.object("risk").unwrap().unwrap();
        assert_eq!(risk.integer("max_qty", None, 0, 10).unwrap(), 5);
        assert_eq!(message(risk.reject_unknown()), "/risk/max_qtx: unknown param; did you mean 'max_qty'? (known: max_qty)");
        let mut legs = p.objects("legs").unwrap();
        assert_eq!(legs[0].number("k", None).unwrap(), 1.0);
        assert_eq!(message(legs[1].number("k", None)), "/legs/1/k: expected a finite number, got \"x\"");
        let escaped = p.object("a/b").unwrap().unwrap();
        assert_eq!(escaped.pointer_of("c"), "/a~1b/c");
        assert_eq!(message(p.object("legs")), "/legs: expected an object, got [{\"k\":1},{\"k\":\"x\"}]");
    }

    #[test]
    fn bad_text_and_non_objects() {
        assert_eq!(message(Params::parse(Some("[1]"))), "params must be a JSON object, got [1]");
        assert_eq!(
            message(Params::parse(Some("{\"a\":}"))),
            "params are not valid JSON: line 1, column 6: expected a JSON value: {\"a\":}"
        );
    }
}
