//! The fleet's overview dashboard: every SLO's budget and alert state, and the SLI and burn
//! rate over a chosen window, for the services and SLOs the variables select. Its variables
//! list the services, SLOs and windows of the recorded series, so it needs no fleet.

use serde_json::{Value, json};

use super::panel::{Grid, Kind, Panel, Query, alert_state_mappings, budget_steps, steps};
use super::query::{self, M, PENDING, sel};
use super::{Envelope, datasource_variable, multi_variable, panel};
use crate::model::Settings;
use crate::names::{self, alert_label, label};

const LEGEND: &str = "{{service}} / {{slo}}";
const WINDOW_VAR: &str = "$window";

pub(super) fn dashboard(settings: &Settings) -> Value {
    let notify = settings.notify_severity.as_str();
    let all = [M::Re(label::SERVICE, "$service"), M::Re(label::SLO, "$slo")];
    let mut g = Grid::default();
    let count = |title: &str, expr: String, alarm: bool| {
        let p = Panel::new(title, Kind::Stat, vec![Query::instant(expr, title)]);
        if alarm {
            p.thresholds(steps("green", &[(1.0, "red")]))
        } else {
            p
        }
    };
    g.add(
        count(
            "SLOs",
            format!("count({})", sel(names::OBJECTIVE, &all)),
            false,
        ),
        6,
        4,
    );
    g.add(
        count(
            "Budget overspent",
            format!(
                "count({} < 0) or on() vector(0)",
                sel(names::BUDGET_REMAINING, &all)
            ),
            true,
        ),
        6,
        4,
    );
    g.add(
        count(
            "Alerts firing",
            query::alert_count(&all, alert_label::FIRING, notify),
            true,
        ),
        6,
        4,
    );
    g.add(
        count(
            "Alerts pending",
            query::alert_count(&all, PENDING, notify),
            true,
        ),
        6,
        4,
    );
    g.add(
        Panel::new(
            "Error budget remaining",
            Kind::BarGauge,
            vec![Query::instant(sel(names::BUDGET_REMAINING, &all), LEGEND)],
        )
        .describe("Share of each SLO's error budget left over its window (below 0: overspent).")
        .unit("percentunit")
        .thresholds(budget_steps()),
        12,
        10,
    );
    g.add(
        Panel::new(
            "Alert state",
            Kind::Stat,
            vec![Query::instant(
                query::alert_state(&all, "service, slo", notify),
                LEGEND,
            )],
        )
        .describe("Whether a page, ticket or no-data alert of the SLO fires or is pending (budget notifications aside).")
        .mappings(alert_state_mappings())
        .thresholds(steps("green", &[(1.0, "orange"), (2.0, "red")])),
        12,
        10,
    );
    g.add(
        Panel::new(
            "Error budget remaining over time",
            Kind::TimeSeries {
                threshold_line: true,
            },
            vec![Query::range(sel(names::BUDGET_REMAINING, &all), LEGEND)],
        )
        .unit("percentunit")
        .thresholds(budget_steps()),
        24,
        8,
    );
    g.add(
        Panel::new(
            "SLI against the objective over $window",
            Kind::TimeSeries {
                threshold_line: false,
            },
            vec![
                Query::range(query::sli(&all, WINDOW_VAR), LEGEND),
                Query::range(sel(names::OBJECTIVE, &all), format!("{LEGEND} objective")),
            ],
        )
        .unit("percentunit"),
        12,
        8,
    );
    g.add(
        Panel::new(
            "Burn rate over $window",
            Kind::TimeSeries {
                threshold_line: true,
            },
            vec![Query::range(query::burn_rate(&all, WINDOW_VAR), LEGEND)],
        )
        .describe("Error ratio over the window divided by the error budget: above 1, the budget runs out before the SLO window ends.")
        .thresholds(steps("green", &[(1.0, "red")])),
        12,
        8,
    );
    Envelope {
        uid: names::OVERVIEW_UID,
        title: names::OVERVIEW_TITLE,
        description: "Every SLO sloforge generated rules for, from the series the rules record.",
        tags: vec![names::DASHBOARD_TAG, "slo"],
        variables: vec![
            datasource_variable(),
            query_variable(
                multi_variable(
                    "service",
                    "Service",
                    "query",
                    &format!("label_values({}, {})", names::OBJECTIVE, label::SERVICE),
                    json!([]),
                ),
            ),
            query_variable(
                multi_variable(
                    "slo",
                    "SLO",
                    "query",
                    &format!(
                        "label_values({}, {})",
                        sel(names::OBJECTIVE, &[M::Re(label::SERVICE, "$service")]),
                        label::SLO
                    ),
                    json!([]),
                ),
            ),
            query_variable(json!({
                "hide": 0,
                "includeAll": false,
                "label": "Window",
                "multi": false,
                "name": "window",
                "options": [],
                "query": format!("label_values({}, {})", sel(names::BURN_RATE, &all), label::WINDOW),
                "type": "query",
            })),
        ],
        panels: g.finish(),
    }
    .json()
}

/// A variable whose values the data source lists, again whenever the time range changes.
fn query_variable(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        m.insert("datasource".into(), panel::datasource());
        m.insert("refresh".into(), json!(2));
        m.insert("sort".into(), json!(1));
    }
    v
}
