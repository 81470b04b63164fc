//! Where an event goes: which webhooks get a delivery of it, and whether
//! each is due now or held. Free of I/O: the endpoints are read by the
//! caller.

use reqwest::header::HeaderMap;

use crate::applications;
use crate::filters::Filter;
use crate::store::{InitialState, Webhook};

/// The destination of a new event.
#[derive(Clone, Debug)]
pub enum Route {
    /// One webhook (ingest, the Public API's send route, the dashboard's test
    /// event, schedules), with its state as the caller just read it, and
    /// the type a provider gave the event, if any.
    Webhook {
        webhook_id: String,
        enabled: bool,
        event_type: Option<String>,
        /// The webhook's filter as stored.
        filter: Option<String>,
    },
    /// An application message: every enabled endpoint subscribed to
    /// `event_type`; or, for the portal's test, only `only_endpoint`.
    Application {
        application_id: String,
        event_type: String,
        only_endpoint: Option<String>,
    },
}

/// A webhook a new event is queued for; `held` ones wait until it is
/// enabled again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub webhook_id: String,
    pub held: bool,
    /// Its filter as stored, if it has one.
    pub filter: Option<String>,
}

/// The initial state of each target's delivery: `filtered` when the event
/// does not match the target's filter (whatever else), `held` while the
/// webhook is disabled, queued otherwise. `body` is parsed only when a
/// target has a filter.
pub fn initial_states(targets: &[Target], body: &[u8], headers: &HeaderMap) -> Vec<InitialState> {
    let payload = targets
        .iter()
        .any(|t| t.filter.is_some())
        .then(|| serde_json::from_slice::<serde_json::Value>(body).ok())
        .flatten();
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    targets
        .iter()
        .map(|t| {
            let filtered = t
                .filter
                .as_deref()
                .and_then(Filter::from_stored)
                .is_some_and(|f| !f.matches(payload.as_ref(), &header));
            if filtered {
                InitialState::Filtered
            } else if t.held {
                InitialState::Held
            } else {
                InitialState::Queued
            }
        })
        .collect()
}

/// The targets of an application message among `endpoints` (the
/// application's): a disabled endpoint is not subscribed, as on Svix, but an
/// endpoint named alone is, held while disabled.
pub fn application_targets(
    endpoints: &[Webhook],
    event_type: &str,
    only_endpoint: Option<&str>,
) -> Vec<Target> {
    endpoints
        .iter()
        .filter(|w| match only_endpoint {
            Some(id) => w.id == id,
            None => w.enabled && applications::subscribes(w.event_types.as_deref(), event_type),
        })
        .map(|w| Target {
            webhook_id: w.id.clone(),
            held: !w.enabled,
            filter: w.filter.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(id: &str, enabled: bool, types: Option<&str>) -> Webhook {
        Webhook {
            id: id.into(),
            enabled,
            event_types: types.map(str::to_string),
            ..Webhook::default()
        }
    }

    #[test]
    fn messages_go_to_enabled_subscribed_endpoints_and_tests_to_the_one_named() {
        let endpoints = [
            endpoint("wh_paid", true, Some(r#"["invoice.paid"]"#)),
            endpoint("wh_all", true, None),
            endpoint("wh_off", false, None),
            endpoint("wh_failed", true, Some(r#"["invoice.failed"]"#)),
        ];
        let ids = |t: Vec<Target>| {
            t.into_iter()
                .map(|t| (t.webhook_id, t.held))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(application_targets(&endpoints, "invoice.paid", None)),
            [
                ("wh_paid".to_string(), false),
                ("wh_all".to_string(), false)
            ]
        );
        assert_eq!(
            ids(application_targets(
                &endpoints,
                "invoice.paid",
                Some("wh_off")
            )),
            [("wh_off".to_string(), true)]
        );
        assert_eq!(
            ids(application_targets(
                &endpoints,
                "invoice.paid",
                Some("wh_nope")
            )),
            []
        );
    }

    #[test]
    fn filters_decide_before_holding() {
        let target = |held: bool, filter: Option<&str>| Target {
            webhook_id: "wh".into(),
            held,
            filter: filter.map(str::to_string),
        };
        let big = r#"{"path":"amount","gte":100}"#;
        let push = r#"{"header":"x-github-event","eq":"push"}"#;
        let targets = [
            target(false, None),
            target(false, Some(big)),
            target(true, Some(big)),
            target(true, None),
            target(false, Some(push)),
        ];
        let mut headers = HeaderMap::new();
        headers.insert("x-github-event", "push".parse().unwrap());
        let states = |body: &[u8]| {
            initial_states(&targets, body, &headers)
                .into_iter()
                .map(|s| format!("{s:?}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            states(br#"{"amount":5}"#),
            ["Queued", "Filtered", "Filtered", "Held", "Queued"]
        );
        assert_eq!(
            states(br#"{"amount":500}"#),
            ["Queued", "Queued", "Held", "Held", "Queued"]
        );
        assert_eq!(
            states(b"not json"),
            ["Queued", "Filtered", "Filtered", "Held", "Queued"]
        );
    }
}
