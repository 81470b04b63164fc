//! `GET /v1/openapi.json`, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{deliveries, ingest, metrics, project, webhooks};

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
    }
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
