//! Reading deliveries: a filtered page of a project's deliveries (the
//! dead-letter queue is one such page), and one delivery with what its
//! attempts sent.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Error, Operations};
use crate::store::{Attempt, DeliveryFilter, DeliveryStatus, LogEntry, Page, StoredEvent, Webhook};

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    webhook_id: Option<String>,
    /// Only deliveries in this state.
    #[param(value_type = Option<DeliveryStatus>)]
    status: Option<String>,
    /// Created at or after this RFC 3339 time.
    from: Option<String>,
    /// Created before this RFC 3339 time.
    to: Option<String>,
    /// Only deliveries of application messages of this event type.
    event_type: Option<String>,
    /// Only the deliveries (and replays) of this event (`evt_...`).
    event_id: Option<String>,
    limit: Option<i64>,
    cursor: Option<String>,
}

/// A `status` query parameter: empty is any; an unknown one is refused
/// with every status listed.
pub fn status_query(status: Option<&str>) -> Result<Option<DeliveryStatus>, Error> {
    match status {
        None | Some("") => Ok(None),
        Some(s) => DeliveryStatus::parse(s).map(Some).ok_or_else(|| {
            Error::invalid_query(
                "status",
                format!("must be one of {}", DeliveryStatus::ALL.join(", ")),
            )
        }),
    }
}

/// One filtered page of a project's deliveries, newest first.
pub async fn list(
    ops: &Operations,
    project_id: &str,
    q: DeliveryQuery,
) -> Result<Page<LogEntry>, Error> {
    let status = status_query(q.status.as_deref())?;
    let (from_ms, to_ms) =
        crate::time::window(q.from.as_deref(), q.to.as_deref(), Error::invalid_query)?;
    let filter = DeliveryFilter {
        webhook_id: q.webhook_id.filter(|w| !w.is_empty()),
        status,
        from_ms,
        to_ms,
        dead_letters_only: false,
    };
    let event_type = q.event_type.as_deref().filter(|t| !t.is_empty());
    let event_id = q.event_id.as_deref().filter(|t| !t.is_empty());
    let page = super::page(q.limit, q.cursor)?;
    Ok(ops
        .store
        .list_deliveries(project_id, &filter, event_type, event_id, &page)
        .await?)
}

/// A request a transformation produced, as sent.
pub struct TransformedRequest {
    /// The transformation version that produced it.
    pub version_id: String,
    pub method: String,
    pub url: String,
    /// The headers the script set.
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

/// A delivery with its event, the headers every attempt carries, what a
/// transformation made of it, and its attempts.
pub struct Detail {
    pub entry: LogEntry,
    /// The stored event; retention removes it only with the last delivery using it.
    pub payload: Option<StoredEvent>,
    pub request_headers: BTreeMap<String, String>,
    pub transformed_request: Option<TransformedRequest>,
    pub attempts: Vec<Attempt>,
}

/// One delivery of the project with everything its attempts sent.
pub async fn get(ops: &Operations, project_id: &str, id: &str) -> Result<Detail, Error> {
    let (d, attempts) = ops
        .store
        .get_delivery(project_id, id)
        .await?
        .ok_or(Error::NotFound("delivery"))?;
    let payload = ops.store.get_event_payload(project_id, &d.event_id).await?;
    let webhook = ops.store.get_webhook(project_id, &d.webhook_id).await?;
    let mut request_headers = match (&webhook, &payload) {
        (Some(w), Some(event)) => base_headers(w, event),
        (Some(w), None) => serde_json::from_str(&w.headers).unwrap_or_default(),
        (None, _) => BTreeMap::new(),
    };
    let transformed: Option<crate::transform::Stored> = ops
        .store
        .transformed_request(project_id, id)
        .await?
        .and_then(|t| serde_json::from_str(&t).ok());
    let transformed_request = transformed.map(|t| {
        request_headers = t.request.headers_over(&request_headers);
        TransformedRequest {
            version_id: t.version_id,
            method: t.request.method.unwrap_or_else(|| "POST".into()),
            url: t
                .request
                .url
                .or_else(|| webhook.as_ref().map(|w| w.destination_url.clone()))
                .unwrap_or_default(),
            headers: t.request.headers,
            body: t.request.body,
        }
    });
    request_headers.insert("webhook-id".into(), d.id.clone());
    let event_type = payload.as_ref().and_then(|e| e.event_type.clone());
    Ok(Detail {
        entry: LogEntry {
            delivery: d,
            event_type,
        },
        payload,
        request_headers,
        transformed_request,
        attempts,
    })
}

/// The headers of a request to `w` for `event` before a transformation:
/// the endpoint's, the event's own over them, and the event's
/// `content-type`.
pub fn base_headers(w: &Webhook, event: &StoredEvent) -> BTreeMap<String, String> {
    let mut headers: BTreeMap<String, String> =
        serde_json::from_str(&w.headers).unwrap_or_default();
    if let Some(own) = event.headers.as_deref() {
        headers.extend(serde_json::from_str::<BTreeMap<String, String>>(own).unwrap_or_default());
    }
    headers.insert("content-type".into(), event.content_type.clone());
    headers
}
