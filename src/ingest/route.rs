//! Where an event goes: which webhooks get a delivery of it, and whether
//! each is due now or held. Free of I/O: the endpoints are read by the
//! caller.

use crate::applications;
use crate::store::Webhook;

/// The destination of a new event.
#[derive(Clone, Debug)]
pub enum Route {
    /// One webhook (ingest, the Public API's send route, the dashboard's test
    /// event, schedules), with its state as the caller just read it.
    Webhook { webhook_id: String, enabled: bool },
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
}
