//! Grafana panels as JSON, in the shape of the `Panel` and `RowPanel` types Grafana publishes
//! (`@grafana/schema`), and their placement on the dashboard's 24-column grid.

use serde_json::{Value, json};

/// Columns of Grafana's grid.
const GRID_WIDTH: u32 = 24;

/// The data source of every panel and query: the dashboard's `datasource` variable.
pub(super) fn datasource() -> Value {
    json!({ "type": "prometheus", "uid": "${datasource}" })
}

/// One query of a panel.
pub(super) struct Query {
    pub(super) expr: String,
    pub(super) legend: String,
    /// The last value only (stat, bar gauge), not a range.
    pub(super) instant: bool,
}

impl Query {
    pub(super) fn range(expr: String, legend: impl Into<String>) -> Query {
        Query {
            expr,
            legend: legend.into(),
            instant: false,
        }
    }

    pub(super) fn instant(expr: String, legend: impl Into<String>) -> Query {
        Query {
            expr,
            legend: legend.into(),
            instant: true,
        }
    }
}

fn targets(queries: Vec<Query>) -> Value {
    let refs = (b'A'..=b'Z').map(|c| char::from(c).to_string());
    Value::Array(
        queries
            .into_iter()
            .zip(refs)
            .map(|(q, r)| {
                json!({
                    "datasource": datasource(),
                    "expr": q.expr,
                    "instant": q.instant,
                    "legendFormat": q.legend,
                    "range": !q.instant,
                    "refId": r,
                })
            })
            .collect(),
    )
}

/// Threshold steps: the colour below the first value, then a colour from each value up.
pub(super) fn steps(base: &str, from: &[(f64, &str)]) -> Value {
    let mut s = vec![json!({ "color": base, "value": null })];
    s.extend(from.iter().map(|(v, c)| json!({ "color": c, "value": v })));
    json!({ "mode": "absolute", "steps": s })
}

/// Budget left: red when overspent, orange below a quarter, green above.
pub(super) fn budget_steps() -> Value {
    steps("red", &[(0.0, "orange"), (0.25, "green")])
}

/// The panel's kind and what only that kind has.
pub(super) enum Kind {
    /// Lines over time; `threshold_line` draws the thresholds as dashed lines.
    TimeSeries { threshold_line: bool },
    /// One big number per series.
    Stat,
    /// One horizontal bar per series.
    BarGauge,
}

/// A panel before it is placed.
pub(super) struct Panel {
    pub(super) title: String,
    pub(super) description: String,
    pub(super) kind: Kind,
    pub(super) queries: Vec<Query>,
    pub(super) unit: &'static str,
    pub(super) thresholds: Value,
    /// Value mappings of the field (text and colour of a value).
    pub(super) mappings: Value,
}

impl Panel {
    pub(super) fn new(title: impl Into<String>, kind: Kind, queries: Vec<Query>) -> Panel {
        Panel {
            title: title.into(),
            description: String::new(),
            kind,
            queries,
            unit: "none",
            thresholds: steps("green", &[]),
            mappings: json!([]),
        }
    }

    pub(super) fn describe(mut self, d: impl Into<String>) -> Panel {
        self.description = d.into();
        self
    }

    pub(super) fn unit(mut self, unit: &'static str) -> Panel {
        self.unit = unit;
        self
    }

    pub(super) fn thresholds(mut self, t: Value) -> Panel {
        self.thresholds = t;
        self
    }

    pub(super) fn mappings(mut self, m: Value) -> Panel {
        self.mappings = m;
        self
    }

    fn json(self, id: u32, grid: Value) -> Value {
        let (kind, custom, options) = match self.kind {
            Kind::TimeSeries { threshold_line } => (
                "timeseries",
                json!({
                    "drawStyle": "line",
                    "lineWidth": 1,
                    "fillOpacity": 0,
                    "showPoints": "never",
                    "spanNulls": false,
                    "thresholdsStyle": { "mode": if threshold_line { "dashed" } else { "off" } },
                }),
                json!({
                    "legend": { "displayMode": "list", "placement": "bottom", "showLegend": true, "calcs": [] },
                    "tooltip": { "mode": "multi", "sort": "none" },
                }),
            ),
            Kind::Stat => (
                "stat",
                json!({}),
                json!({
                    "colorMode": "background",
                    "graphMode": "none",
                    "justifyMode": "auto",
                    "orientation": "auto",
                    "reduceOptions": { "calcs": ["lastNotNull"], "fields": "", "values": false },
                    "textMode": "value_and_name",
                }),
            ),
            Kind::BarGauge => (
                "bargauge",
                json!({}),
                json!({
                    "displayMode": "gradient",
                    "orientation": "horizontal",
                    "reduceOptions": { "calcs": ["lastNotNull"], "fields": "", "values": false },
                    "showUnfilled": true,
                }),
            ),
        };
        json!({
            "datasource": datasource(),
            "description": self.description,
            "fieldConfig": {
                "defaults": {
                    "custom": custom,
                    "mappings": self.mappings,
                    "thresholds": self.thresholds,
                    "unit": self.unit,
                },
                "overrides": [],
            },
            "gridPos": grid,
            "id": id,
            "options": options,
            "targets": targets(self.queries),
            "title": self.title,
            "type": kind,
        })
    }
}

/// The panels of a dashboard, placed left to right and top to bottom as they are added.
#[derive(Default)]
pub(super) struct Grid {
    panels: Vec<Value>,
    x: u32,
    y: u32,
    /// Height of the line being filled.
    line: u32,
    next_id: u32,
}

impl Grid {
    fn id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }

    fn new_line(&mut self) {
        if self.x > 0 {
            self.y += self.line;
            self.x = 0;
            self.line = 0;
        }
    }

    /// Adds `p`, `w` columns wide and `h` rows high, on a new line when it does not fit.
    pub(super) fn add(&mut self, p: Panel, w: u32, h: u32) {
        if self.x + w > GRID_WIDTH {
            self.new_line();
        }
        let grid = json!({ "h": h, "w": w, "x": self.x, "y": self.y });
        let id = self.id();
        self.panels.push(p.json(id, grid));
        self.x += w;
        self.line = self.line.max(h);
    }

    /// Starts a row (a titled, collapsible header) on a new line.
    pub(super) fn row(&mut self, title: &str) {
        self.new_line();
        let id = self.id();
        self.panels.push(json!({
            "collapsed": false,
            "gridPos": { "h": 1, "w": GRID_WIDTH, "x": 0, "y": self.y },
            "id": id,
            "panels": [],
            "title": title,
            "type": "row",
        }));
        self.y += 1;
    }

    pub(super) fn finish(self) -> Value {
        Value::Array(self.panels)
    }
}

/// Alert state as text and colour: the values of [`super::query::alert_state`].
pub(super) fn alert_state_mappings() -> Value {
    json!([{
        "type": "value",
        "options": {
            "0": { "color": "green", "index": 0, "text": "ok" },
            "1": { "color": "orange", "index": 1, "text": "pending" },
            "2": { "color": "red", "index": 2, "text": "firing" },
        },
    }])
}
