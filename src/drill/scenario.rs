//! The scenario of a drill as the command line writes it, and the SLOs it strikes:
//! `outage:SERVICE/SLO@DURATION` (every event bad), `errors:SERVICE/SLO:PCT%@DURATION` (that
//! share of the SLO's events bad) and `latency:SERVICE[/SLO]:PCT%@DURATION` (that share of the
//! requests slower than the threshold: the named latency SLO, or every latency SLO of the
//! service).

use serde::Serialize;

use crate::model::{Decimal, Duration, Fleet, Service, Sli, Slo};

/// What goes wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Kind {
    /// Every event bad.
    Outage,
    /// A share of the events bad.
    Errors,
    /// A share of the requests slower than a latency SLO's threshold.
    Latency,
}

/// A parsed scenario, not yet checked against the specs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scenario {
    pub(crate) kind: Kind,
    pub(crate) service: String,
    pub(crate) slo: Option<String>,
    /// The share of bad events, in percent (100 for an outage).
    pub(crate) percent: Decimal,
    pub(crate) duration: Duration,
}

const GRAMMAR: &str = "expected `outage:SERVICE/SLO@DURATION`, `errors:SERVICE/SLO:PCT%@DURATION` or `latency:SERVICE[/SLO]:PCT%@DURATION` (e.g. `outage:checkout/availability@10m`, `errors:cart/availability:2%@6h`, `latency:catalog:30%@1h`)";

fn bad(text: &str, why: &str) -> String {
    format!("scenario `{text}`: {why}; {GRAMMAR}")
}

impl Scenario {
    /// Reads a scenario; the error names what is wrong and the grammar.
    pub(crate) fn parse(text: &str) -> Result<Scenario, String> {
        let (kind, rest) = text
            .split_once(':')
            .ok_or_else(|| bad(text, "no kind before `:`"))?;
        let kind = match kind {
            "outage" => Kind::Outage,
            "errors" => Kind::Errors,
            "latency" => Kind::Latency,
            other => return Err(bad(text, &format!("unknown kind `{other}`"))),
        };
        let (body, duration) = rest
            .rsplit_once('@')
            .ok_or_else(|| bad(text, "no `@DURATION` at the end"))?;
        let duration = match Duration::parse(duration) {
            Ok(d) if d.as_millis() > 0 => d,
            Ok(_) => return Err(bad(text, "the duration must be positive")),
            Err(e) => return Err(bad(text, &e.to_string())),
        };
        let (target, percent) = match kind {
            Kind::Outage => {
                if body.contains(':') {
                    return Err(bad(
                        text,
                        "an outage takes no percentage (it is 100% errors)",
                    ));
                }
                (body, Decimal::from_int(100))
            }
            Kind::Errors | Kind::Latency => {
                let (target, pct) = body
                    .rsplit_once(':')
                    .ok_or_else(|| bad(text, "no `:PCT%` after the SLO"))?;
                (target, parse_percent(text, pct)?)
            }
        };
        let (service, slo) = match target.split_once('/') {
            Some((s, o)) => (s, Some(o)),
            None => (target, None),
        };
        if service.is_empty() {
            return Err(bad(text, "no service"));
        }
        match slo {
            Some("") => return Err(bad(text, "no SLO after `/`")),
            None if kind != Kind::Latency => {
                return Err(bad(text, "no `/SLO` after the service"));
            }
            _ => {}
        }
        Ok(Scenario {
            kind,
            service: service.to_string(),
            slo: slo.map(str::to_string),
            percent,
            duration,
        })
    }

    /// The share of bad events as a ratio.
    pub(crate) fn ratio(&self) -> Decimal {
        self.percent
            .checked_div(Decimal::from_int(100))
            .unwrap_or(Decimal::ONE)
    }

    /// The service of the specs the scenario strikes, and its SLOs it strikes; the error lists
    /// what there is to choose from.
    pub(crate) fn targets<'a>(
        &self,
        fleet: &'a Fleet,
    ) -> Result<(&'a Service, Vec<&'a Slo>), String> {
        let Some(service) = fleet.services.iter().find(|s| s.name == self.service) else {
            let names: Vec<&str> = fleet.services.iter().map(|s| s.name.as_str()).collect();
            return Err(format!(
                "no service `{}` in the specs; services: {}",
                self.service,
                names.join(", ")
            ));
        };
        let slo_names = || {
            service
                .slos
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let latency = |s: &Slo| matches!(s.sli, Sli::Latency { .. });
        let slos: Vec<&Slo> = match &self.slo {
            Some(name) => {
                let Some(slo) = service.slos.iter().find(|s| &s.name == name) else {
                    return Err(format!(
                        "service `{}` has no SLO `{name}`; its SLOs: {}",
                        service.name,
                        slo_names()
                    ));
                };
                if self.kind == Kind::Latency && !latency(slo) {
                    return Err(format!(
                        "`{}/{name}` is not a latency SLO (`sli.latency`); use `errors:` for it, or one of the latency SLOs of `{}`: {}",
                        service.name,
                        service.name,
                        latency_names(service)
                    ));
                }
                vec![slo]
            }
            None => service.slos.iter().filter(|s| latency(s)).collect(),
        };
        if slos.is_empty() {
            return Err(format!(
                "service `{}` has no latency SLO (`sli.latency`); its SLOs: {}",
                service.name,
                slo_names()
            ));
        }
        Ok((service, slos))
    }

    /// How the scenario reads in a sentence: `100% errors`, `2% errors`, `30% of the requests
    /// slower than the threshold`.
    pub(crate) fn describe(&self) -> String {
        match self.kind {
            Kind::Outage => "total outage (100% errors)".to_string(),
            Kind::Errors => format!("{}% errors", self.percent),
            Kind::Latency => format!("{}% of requests slower than the threshold", self.percent),
        }
    }
}

fn latency_names(service: &Service) -> String {
    let names: Vec<&str> = service
        .slos
        .iter()
        .filter(|s| matches!(s.sli, Sli::Latency { .. }))
        .map(|s| s.name.as_str())
        .collect();
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

fn parse_percent(text: &str, pct: &str) -> Result<Decimal, String> {
    let Some(num) = pct.strip_suffix('%') else {
        return Err(bad(
            text,
            &format!("`{pct}` is not a percentage such as `2%`"),
        ));
    };
    match Decimal::parse(num) {
        Some(d) if d.is_positive() && d <= Decimal::from_int(100) => Ok(d),
        Some(_) => Err(bad(
            text,
            &format!("`{pct}` is not above 0% and at most 100%"),
        )),
        None => Err(bad(
            text,
            &format!("`{pct}` is not a percentage such as `2%`"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_kinds_read() {
        let o = Scenario::parse("outage:checkout/availability@10m").unwrap();
        assert_eq!(o.kind, Kind::Outage);
        assert_eq!(
            (o.service.as_str(), o.slo.as_deref()),
            ("checkout", Some("availability"))
        );
        assert_eq!(o.ratio(), Decimal::ONE);
        assert_eq!(o.duration, Duration::from_mins(10));
        let e = Scenario::parse("errors:cart/availability:2%@6h").unwrap();
        assert_eq!(e.ratio(), Decimal::parse("0.02").unwrap());
        assert_eq!(e.duration, Duration::from_mins(360));
        let l = Scenario::parse("latency:catalog:30%@1h").unwrap();
        assert_eq!((l.kind, l.slo.as_deref()), (Kind::Latency, None));
        assert_eq!(l.ratio(), Decimal::parse("0.3").unwrap());
    }

    #[test]
    fn bad_scenarios_say_why_and_show_the_grammar() {
        for (text, why) in [
            ("checkout", "no kind"),
            ("flood:checkout/availability@1m", "unknown kind `flood`"),
            ("outage:checkout/availability", "no `@DURATION`"),
            ("outage:checkout/availability@ten", "not a duration"),
            ("outage:checkout/availability@0m", "positive"),
            ("outage:checkout@10m", "no `/SLO`"),
            ("outage:checkout/availability:5%@10m", "no percentage"),
            ("errors:cart/availability@6h", "no `:PCT%`"),
            ("errors:cart/availability:2@6h", "not a percentage"),
            ("errors:cart/availability:0%@6h", "above 0%"),
            ("errors:cart/availability:101%@6h", "at most 100%"),
            ("errors:/availability:1%@6h", "no service"),
            ("errors:cart/:1%@6h", "no SLO after"),
        ] {
            let e = Scenario::parse(text).unwrap_err();
            assert!(e.contains(why), "{text}: {e}");
            assert!(e.contains("outage:SERVICE/SLO@DURATION"), "{e}");
        }
    }
}
