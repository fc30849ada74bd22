//! The HTTP APIs `doctor` reads: Prometheus' `/api/v1/*` and Alertmanager's `/api/v2/status`.
//! Every request has a timeout and a cap on the size of the answer; nothing a server answers
//! (an error status, a body that is not JSON, an unexpected shape) panics: it becomes an
//! [`ApiError`].

use std::time::Duration;

use serde_json::Value as Json;

/// How long one request may take, connecting and reading included.
const TIMEOUT: Duration = Duration::from_secs(20);
/// The largest answer read (a query over many series can be large).
const MAX_BODY: u64 = 64 * 1024 * 1024;

/// Why a request gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// Nothing answered: connection refused, DNS, timeout, TLS asked of a plain-HTTP build.
    Unreachable(String),
    /// The server answered, but not with what the API promises (a status other than 200, a
    /// body that is not JSON, an API error such as a query that does not parse).
    Bad(String),
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Unreachable(e) | ApiError::Bad(e) => f.write_str(e),
        }
    }
}

/// One series of an instant vector: its labels and value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: std::collections::BTreeMap<String, String>,
    pub value: f64,
}

/// One series of a range answer: its labels and its samples' timestamps (seconds).
#[derive(Debug, Clone, PartialEq)]
pub struct RangeSeries {
    pub labels: std::collections::BTreeMap<String, String>,
    pub timestamps: Vec<f64>,
}

/// One series of a range answer with its values: labels and (timestamp, value) pairs.
pub type ValueSeries = (std::collections::BTreeMap<String, String>, Vec<(f64, f64)>);

/// A client of one server (Prometheus or Alertmanager), by its base URL.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    /// The first transport failure, should the server stop answering during the run.
    lost: std::cell::RefCell<Option<String>>,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(TIMEOUT))
            .http_status_as_error(false)
            .build()
            .into();
        Client {
            agent,
            base: base.trim_end_matches('/').to_string(),
            lost: std::cell::RefCell::new(None),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// Why the server stopped answering, if a request of this client found nothing there.
    pub fn lost(&self) -> Option<String> {
        self.lost.borrow().clone()
    }

    /// `r`, noting a transport failure.
    fn note(&self, r: Result<Json, ApiError>) -> Result<Json, ApiError> {
        if let Err(ApiError::Unreachable(why)) = &r {
            self.lost.borrow_mut().get_or_insert_with(|| why.clone());
        }
        r
    }

    /// GET `path` with the query parameters `params`; the answer as JSON.
    pub fn get(&self, path: &str, params: &[(&str, &str)]) -> Result<Json, ApiError> {
        let url = format!("{}{path}", self.base);
        let mut req = self.agent.get(&url);
        for (k, v) in params {
            req = req.query(*k, *v);
        }
        let r = req
            .call()
            .map_err(|e| transport(&url, &e))
            .and_then(|resp| read_json(&url, resp));
        self.note(r)
    }

    /// POST the form `form` to `path`; the answer as JSON.
    pub fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Result<Json, ApiError> {
        let url = format!("{}{path}", self.base);
        let r = self
            .agent
            .post(&url)
            .send_form(form.iter().copied())
            .map_err(|e| transport(&url, &e))
            .and_then(|resp| read_json(&url, resp));
        self.note(r)
    }

    /// `data` of a Prometheus API answer whose `status` is `success`.
    pub fn prometheus_data(&self, path: &str, params: &[(&str, &str)]) -> Result<Json, ApiError> {
        data_of(path, self.get(path, params)?)
    }

    /// The instant vector of the PromQL query `q`, evaluated now.
    pub fn instant(&self, q: &str) -> Result<Vec<Sample>, ApiError> {
        self.instant_at(q, None)
    }

    /// The instant vector of `q`, evaluated at Unix time `at` (seconds), or now.
    pub fn instant_at(&self, q: &str, at: Option<f64>) -> Result<Vec<Sample>, ApiError> {
        let time = at.map(|t| format!("{t:.3}"));
        let mut form = vec![("query", q)];
        if let Some(t) = &time {
            form.push(("time", t));
        }
        let data = data_of("/api/v1/query", self.post_form("/api/v1/query", &form)?)?;
        let kind = data["resultType"].as_str().unwrap_or_default();
        if kind != "vector" {
            return Err(ApiError::Bad(format!(
                "query `{q}`: expected an instant vector, got {kind:?}"
            )));
        }
        let mut out = Vec::new();
        for r in data["result"].as_array().into_iter().flatten() {
            let value = r["value"][1]
                .as_str()
                .and_then(|v| v.parse::<f64>().ok())
                .ok_or_else(|| ApiError::Bad(format!("query `{q}`: a sample without a value")))?;
            out.push(Sample {
                labels: labels_of(&r["metric"]),
                value,
            });
        }
        Ok(out)
    }

    /// The raw samples of the range selector `q` (`selector[range]`), evaluated now.
    pub fn range_samples(&self, q: &str) -> Result<Vec<RangeSeries>, ApiError> {
        let data = data_of(
            "/api/v1/query",
            self.post_form("/api/v1/query", &[("query", q)])?,
        )?;
        let kind = data["resultType"].as_str().unwrap_or_default();
        if kind != "matrix" {
            return Err(ApiError::Bad(format!(
                "query `{q}`: expected a range vector, got {kind:?}"
            )));
        }
        Ok(data["result"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| RangeSeries {
                labels: labels_of(&r["metric"]),
                // Float samples under `values`, native histograms under `histograms`.
                timestamps: r["values"]
                    .as_array()
                    .into_iter()
                    .chain(r["histograms"].as_array())
                    .flatten()
                    .filter_map(|p| p[0].as_f64())
                    .collect(),
            })
            .collect())
    }
}

impl Client {
    /// The samples of the range selector `q` (`selector[range]`) at Unix time `at`: per series
    /// its labels and its (timestamp, value) pairs, float samples only.
    pub fn range_values_at(&self, q: &str, at: f64) -> Result<Vec<ValueSeries>, ApiError> {
        let time = format!("{at:.3}");
        let data = data_of(
            "/api/v1/query",
            self.post_form("/api/v1/query", &[("query", q), ("time", &time)])?,
        )?;
        let kind = data["resultType"].as_str().unwrap_or_default();
        if kind != "matrix" {
            return Err(ApiError::Bad(format!(
                "query `{q}`: expected a range vector, got {kind:?}"
            )));
        }
        Ok(value_series(&data))
    }

    /// `q` evaluated every `step` seconds from `start` to `end` (Unix seconds):
    /// `/api/v1/query_range`, per series its labels and (timestamp, value) pairs.
    pub fn query_range(
        &self,
        q: &str,
        start: i64,
        end: i64,
        step: i64,
    ) -> Result<Vec<ValueSeries>, ApiError> {
        let (start, end, step) = (start.to_string(), end.to_string(), step.max(1).to_string());
        let data = data_of(
            "/api/v1/query_range",
            self.post_form(
                "/api/v1/query_range",
                &[
                    ("query", q),
                    ("start", &start),
                    ("end", &end),
                    ("step", &step),
                ],
            )?,
        )?;
        let kind = data["resultType"].as_str().unwrap_or_default();
        if kind != "matrix" {
            return Err(ApiError::Bad(format!(
                "range query `{q}`: expected a matrix, got {kind:?}"
            )));
        }
        Ok(value_series(&data))
    }
}

/// The series of a matrix with their float values. Values are Prometheus' float text read as
/// `f64` (`NaN`, `+Inf` and `-Inf` included); a point that is not a number's text is left out.
fn value_series(data: &Json) -> Vec<ValueSeries> {
    data["result"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            let points = r["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| Some((p[0].as_f64()?, p[1].as_str()?.parse::<f64>().ok()?)))
                .collect();
            (labels_of(&r["metric"]), points)
        })
        .collect()
}

fn labels_of(j: &Json) -> std::collections::BTreeMap<String, String> {
    j.as_object()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
        .collect()
}

fn transport(url: &str, e: &ureq::Error) -> ApiError {
    ApiError::Unreachable(format!("{url}: {e}"))
}

fn read_json(url: &str, mut resp: ureq::http::Response<ureq::Body>) -> Result<Json, ApiError> {
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_string()
        .map_err(|e| match e {
            ureq::Error::Timeout(_) | ureq::Error::Io(_) => transport(url, &e),
            e => ApiError::Bad(format!("{url}: reading the answer: {e}")),
        })?;
    let json: Option<Json> = serde_json::from_str(&body).ok();
    if status != 200 {
        // Prometheus explains a refused query in `error`.
        let why = json
            .as_ref()
            .and_then(|j| j["error"].as_str())
            .map_or_else(|| excerpt(&body), ToString::to_string);
        return Err(ApiError::Bad(format!("{url}: HTTP {status}: {why}")));
    }
    json.ok_or_else(|| ApiError::Bad(format!("{url}: the answer is not JSON: {}", excerpt(&body))))
}

fn data_of(path: &str, j: Json) -> Result<Json, ApiError> {
    if j["status"].as_str() != Some("success") {
        return Err(ApiError::Bad(format!(
            "{path}: status {:?}: {}",
            j["status"].as_str().unwrap_or("missing"),
            j["error"].as_str().unwrap_or("no error given")
        )));
    }
    Ok(j["data"].clone())
}

/// The start of a body for a message, on one line.
fn excerpt(body: &str) -> String {
    let one_line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 120 {
        format!("{}…", one_line.chars().take(120).collect::<String>())
    } else if one_line.is_empty() {
        "(empty)".into()
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_never_panic() {
        assert!(data_of("/x", serde_json::json!({"status": "error", "error": "bad"})).is_err());
        assert!(data_of("/x", serde_json::json!(42)).is_err());
        assert_eq!(excerpt(""), "(empty)");
        assert_eq!(excerpt(&"a ".repeat(200)).chars().count(), 121);
    }

    #[test]
    fn values_read_prometheus_float_text() {
        let data = serde_json::json!({"result": [
            {"metric": {"a": "1"}, "values": [[1, "NaN"], [2, "+Inf"], [3, "-Inf"], [4, "0.5"], [5, "x"]]},
        ]});
        let v = value_series(&data);
        assert_eq!(v.len(), 1);
        let p = &v[0].1;
        assert!(p[0].1.is_nan());
        assert_eq!(p[1].1, f64::INFINITY);
        assert_eq!(p[2].1, f64::NEG_INFINITY);
        assert_eq!(p[3], (4.0, 0.5));
        assert_eq!(p.len(), 4);
    }
}
