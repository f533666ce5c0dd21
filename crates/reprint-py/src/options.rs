//! Settings from Python keyword arguments: each group (duplicates, reuse, stories) starts
//! from the engine's defaults and takes the caller's keys; an unknown key or a wrong type
//! is a `ValueError` naming it.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use reprint_engine::{Config, DedupSettings, StoriesSettings};
use reprint_reuse::ReuseConfig;
use reprint_stories::StoriesConfig;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// A configuration from the three groups (`None`: the level does not run; duplicates
/// always run).
pub(crate) fn config(
    dedup: Option<&Bound<'_, PyDict>>,
    reuse: Option<&Bound<'_, PyDict>>,
    stories: Option<&Bound<'_, PyDict>>,
    series_field: Option<&str>,
) -> PyResult<Config> {
    let mut cfg = Config::default();
    if let Some(d) = dedup {
        cfg.dedup = overlay::<DedupSettings>("duplicates", DedupSettings::default(), d)?;
    }
    if let Some(r) = reuse {
        cfg.reuse = Some(overlay::<ReuseConfig>("reuse", ReuseConfig::default(), r)?);
    }
    if let Some(s) = stories {
        let stream = match s.get_item("stream")? {
            Some(v) => v.extract::<bool>()?,
            None => false,
        };
        let model = match s.get_item("model")? {
            Some(v) if !v.is_none() => Some(v.extract::<std::path::PathBuf>()?),
            _ => None,
        };
        let rest = s.copy()?;
        for key in ["stream", "model"] {
            if rest.contains(key)? {
                rest.del_item(key)?;
            }
        }
        cfg.stories = Some(StoriesSettings {
            config: overlay::<StoriesConfig>("stories", StoriesConfig::default(), &rest)?,
            stream,
            embedding_field: None,
            model,
        });
    }
    cfg.series_field = series_field.map(str::to_string);
    cfg.validate()
        .map_err(|e| PyValueError::new_err(format!("invalid setting: {e}")))?;
    Ok(cfg)
}

/// `defaults` with the keys of `given` replaced.
pub(crate) fn overlay<T: Serialize + DeserializeOwned>(
    group: &str,
    defaults: T,
    given: &Bound<'_, PyDict>,
) -> PyResult<T> {
    let Value::Object(mut map) = serde_json::to_value(&defaults).expect("settings serialize")
    else {
        unreachable!("settings are objects")
    };
    for (k, v) in given.iter() {
        let key: String = k.extract()?;
        if !map.contains_key(&key) {
            let mut known: Vec<&String> = map.keys().collect();
            known.sort();
            let known: Vec<&str> = known.iter().map(|s| s.as_str()).collect();
            return Err(PyValueError::new_err(format!(
                "unknown {group} setting {key:?}; known: {}",
                known.join(", ")
            )));
        }
        map.insert(key, to_json(&v)?);
    }
    let keys: Vec<String> = given
        .keys()
        .iter()
        .filter_map(|k| k.extract().ok())
        .collect();
    serde_json::from_value(Value::Object(map)).map_err(|e| {
        PyValueError::new_err(format!(
            "invalid {group} setting (one of {}): {e}",
            keys.join(", ")
        ))
    })
}

/// A Python value as JSON: None, bool, int, float, str, list and tuple.
pub(crate) fn to_json(v: &Bound<'_, PyAny>) -> PyResult<Value> {
    if v.is_none() {
        Ok(Value::Null)
    } else if v.is_instance_of::<PyBool>() {
        Ok(Value::Bool(v.extract()?))
    } else if v.is_instance_of::<PyInt>() {
        Ok(Value::from(v.extract::<i64>()?))
    } else if v.is_instance_of::<PyFloat>() {
        let f: f64 = v.extract()?;
        Ok(serde_json::Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| PyValueError::new_err(format!("{f} is not a finite number")))?)
    } else if v.is_instance_of::<PyString>() {
        Ok(Value::String(v.extract()?))
    } else if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        v.try_iter()?
            .map(|x| to_json(&x?))
            .collect::<PyResult<Vec<_>>>()
            .map(Value::Array)
    } else {
        Err(PyTypeError::new_err(format!(
            "a setting must be None, a bool, a number, a string or a list, got {}",
            v.get_type().name()?
        )))
    }
}
