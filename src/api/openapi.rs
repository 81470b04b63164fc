//! `GET /v1/openapi.json`, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    applications, audit_logs, deliveries, event_types, ingest, metrics, notification_channels, portal_access, portal_api,
    project, replays, schedules, usage, webhooks,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Hookrelay Public API", description = "Send and receive webhooks: signed, durable, retried delivery."),
    paths(
        project::get_project, project::list_keys, project::create_key, project::get_key, project::revoke_key,
        project::rotate_key,
        webhooks::create, webhooks::list, webhooks::get, webhooks::update, webhooks::delete,
        webhooks::rotate_ingest_secret, webhooks::rotate_signing_secret, webhooks::secret_versions,
        ingest::ingest, ingest::send_event,
        deliveries::list, deliveries::get,
        applications::create, applications::list, applications::get_one, applications::update, applications::delete,
        applications::send_message,
        event_types::create, event_types::list, event_types::get_one, event_types::update, event_types::delete,
        portal_access::magic_link, portal_access::create_token, portal_access::list_tokens, portal_access::revoke_token,
        portal_access::get_settings, portal_access::put_settings,
        portal_api::session, portal_api::list_endpoints, portal_api::create_endpoint, portal_api::get_endpoint,
        portal_api::update_endpoint, portal_api::delete_endpoint, portal_api::reveal_secret, portal_api::rotate_secret,
        portal_api::send_test, portal_api::event_types, portal_api::list_messages, portal_api::get_message,
        portal_api::list_deliveries, portal_api::get_delivery, portal_api::replay,
        replays::replay_delivery, replays::bulk_replay_deliveries, replays::get_replay_job, replays::list_dead_letters,
        replays::replay_dead_letter, replays::discard_dead_letter, replays::bulk_replay_dead_letters,
        usage::usage, audit_logs::list,
        schedules::create, schedules::list, schedules::get_one, schedules::pause, schedules::resume, schedules::delete,
        notification_channels::create, notification_channels::list, notification_channels::get_one,
        notification_channels::delete,
        metrics::render,
    ),
    modifiers(&Security),
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = |desc: &str| {
            let mut http = Http::new(HttpAuthScheme::Bearer);
            http.description = Some(desc.to_string());
            SecurityScheme::Http(http)
        };
        components.add_security_scheme("apiKey", bearer("A project API key, `swk_...`"));
        components.add_security_scheme("ingestSecret", bearer("The webhook's ingest secret, `whsec_...`"));
        components.add_security_scheme("portalToken", bearer("A portal token of one application, `whpt_...`"));
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
