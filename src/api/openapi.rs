//! The API contract: the OpenAPI document of the Public API, the Portal API,
//! the seed-compatible portal routes and the operational routes, generated
//! from the handlers' annotations. Served at `GET /v1/openapi.json` (with the
//! server's public URL as `servers`) and printed by `hookrelay openapi`, from
//! which the SDKs under `sdk/` are generated.
//!
//! Rules the document keeps (checked by `tests/contract.rs` and by the test
//! harness, which validates every JSON response of the suite against it):
//! every operation has a unique `resource.action` operationId, every error
//! answer is an `ErrorBody`, and invalid input is `400` on every route.

use std::sync::OnceLock;

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};
use utoipa::OpenApi;

use super::{
    applications, audit_logs, deliveries, event_types, filters, health, ingest, listen, metrics,
    notification_channels, portal_access, portal_api, project, replays, schedules, transformations,
    usage, webhooks, AppState,
};

const DESCRIPTION: &str = "\
Send and receive webhooks: signed, durable, retried delivery.

Every answer is JSON: success is `{\"data\": ...}`, a list is `{\"data\": [...], \"nextCursor\", \"hasMore\"}` \
(pass `nextCursor` back as `cursor`, `limit` 1 to 100), an error is `{\"error\": {\"code\", \"message\", \"field\"?}}`.

Invalid input of any kind (malformed JSON, a wrong type, an unknown or missing field, a value breaking a rule, \
a bad query parameter or header) is `400` on every route, with `code` (`invalid_json`, `invalid_field`, \
`invalid_query`, ...) and, when one field is at fault, `field`. A missing or invalid credential is `401`, \
a credential without the needed role or scope `403`, an unknown id `404`, a conflict with the current state `409`, \
a used-up quota `429` (with `retry-after` when it resets).";

#[derive(OpenApi)]
#[openapi(
    info(title = "Hookrelay API", description = DESCRIPTION, license(name = "MIT")),
    paths(
        project::get_project, project::update_project, project::list_keys, project::create_key, project::get_key, project::revoke_key,
        project::rotate_key,
        webhooks::create, webhooks::list, webhooks::get, webhooks::update, webhooks::delete,
        webhooks::rotate_ingest_secret, webhooks::rotate_signing_secret, webhooks::secret_versions,
        listen::listen,
        webhooks::rotate_verification_secret, webhooks::ingest_refusals, filters::test, filters::portal_test,
        transformations::simulate, transformations::get_transformation, transformations::put_transformation,
        transformations::list_versions,
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
        portal_api::get_transformation, portal_api::put_transformation, portal_api::transformation_versions,
        portal_api::simulate_transformation,
        replays::replay_delivery, replays::bulk_replay_deliveries, replays::get_replay_job, replays::list_dead_letters,
        replays::replay_dead_letter, replays::discard_dead_letter, replays::bulk_replay_dead_letters,
        usage::usage, audit_logs::list,
        schedules::create, schedules::list, schedules::get_one, schedules::pause, schedules::resume, schedules::delete,
        notification_channels::create, notification_channels::list, notification_channels::get_one,
        notification_channels::delete,
        health::healthz, health::readyz, metrics::render, served,
    ),
    tags(
        (name = "project", description = "The project of the API key: its tier, API keys, audit log and notification channels (admin keys)"),
        (name = "webhooks", description = "Webhooks: a destination with its ingest URL, secrets and delivery settings"),
        (name = "ingest", description = "Events in: the public ingest URL (ingest secret) and sending through the API"),
        (name = "deliveries", description = "What was sent where, with every attempt"),
        (name = "replays", description = "Replays and the dead-letter queue"),
        (name = "applications", description = "A project's customers, and messages fanned out to their endpoints"),
        (name = "event types", description = "The kinds of message endpoints subscribe to"),
        (name = "portal access", description = "Magic links and portal tokens that open the customer portal"),
        (name = "portal access (seed routes)", description = "The portal access routes where Hookbase's clients call them (orgId = the project id)"),
        (name = "portal", description = "The Portal API: what one application's customer sees, with a portal token"),
        (name = "schedules", description = "Events fired into a webhook on a cron schedule, or once"),
        (name = "usage", description = "What a project's webhooks did, per hour or day"),
        (name = "operations", description = "Health, readiness, metrics and this document"),
    ),
    modifiers(&Security),
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = |desc: &str| {
            let mut http = Http::new(HttpAuthScheme::Bearer);
            http.description = Some(desc.to_string());
            SecurityScheme::Http(http)
        };
        components.add_security_scheme("apiKey", bearer("A project API key, `swk_...`"));
        components.add_security_scheme(
            "ingestSecret",
            bearer("The webhook's ingest secret, `whsec_...`"),
        );
        components.add_security_scheme(
            "portalToken",
            bearer("A portal token of one application, `whpt_...`"),
        );
    }
}

/// Where `hookrelay serve` listens by default; the served document names
/// the server's own public URL instead.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

/// The seed's form of the portal access routes (see `portal_access`), with
/// the `/v1` form they mirror.
const SEED_PREFIX: &str = "/api/organizations/{orgId}/portal/webhook-applications/{appId}";
const V1_PREFIX: &str = "/v1/applications/{appId}/portal";

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The operations of a path item.
fn operations_mut(item: &mut Value) -> impl Iterator<Item = &mut Value> {
    item.as_object_mut()
        .into_iter()
        .flat_map(|m| m.iter_mut())
        .filter(|(k, _)| METHODS.contains(&k.as_str()))
        .map(|(_, v)| v)
}

/// The whole document, as `hookrelay openapi` prints it.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc =
            serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document serializes");
        add_seed_routes(&mut doc);
        add_default_errors(&mut doc);
        optional_bodies(&mut doc);
        doc["servers"] =
            json!([{ "url": DEFAULT_SERVER, "description": "hookrelay serve's default address" }]);
        doc
    })
}

/// The answer of `GET /v1/openapi.json`: the document, for this server.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "operations", operation_id = "openapi.get",
    responses((status = 200, content_type = "application/json", body = Object, description = "This document (OpenAPI 3.1)")))]
pub async fn served(State(state): State<AppState>) -> Json<Value> {
    let mut doc = document().clone();
    doc["servers"] = json!([{ "url": state.public_url, "description": "this server" }]);
    Json(doc)
}

/// The portal access routes answer at the seed's paths too (one handler
/// each, see `portal_access::routes`); they are copied here with the extra
/// `orgId` parameter and operationIds of their own.
fn add_seed_routes(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    let copies: Vec<(String, Value)> = paths
        .iter()
        .filter_map(|(path, item)| Some((path.strip_prefix(V1_PREFIX)?, item)))
        .map(|(rest, item)| {
            let mut item = item.clone();
            for op in operations_mut(&mut item) {
                if let Some(id) = op["operationId"].as_str() {
                    op["operationId"] = json!(id.replace("portalAccess.", "seedPortalAccess."));
                }
                op["tags"] = json!(["portal access (seed routes)"]);
                if let Some(params) = op["parameters"].as_array_mut() {
                    params.insert(
                        0,
                        json!({ "name": "orgId", "in": "path", "required": true, "schema": { "type": "string" },
                                "description": "The project id (`proj_...`) of the API key" }),
                    );
                }
            }
            (format!("{SEED_PREFIX}{rest}"), item)
        })
        .collect();
    paths.extend(copies);
}

/// Every operation may answer an error this document does not list for it
/// (a database outage is 503 anywhere, say): `default` says its shape.
/// Responses left without a description get their status's name.
fn add_default_errors(doc: &mut Value) {
    let error = json!({
        "description": "An error: `{\"error\": {\"code\", \"message\", \"field\"?}}`",
        "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ErrorBody" } } }
    });
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for op in paths.values_mut().flat_map(operations_mut) {
        if let Some(responses) = op["responses"].as_object_mut() {
            for (status, response) in responses.iter_mut() {
                let reason = status
                    .parse()
                    .ok()
                    .and_then(|s| axum::http::StatusCode::from_u16(s).ok())
                    .and_then(|s| s.canonical_reason());
                if response["description"] == "" {
                    response["description"] = json!(reason.unwrap_or("The answer"));
                }
            }
            responses.entry("default").or_insert_with(|| error.clone());
        }
    }
}

/// `request_body(content = Option<T>)` means the body may be left out
/// (`OptionalJson`), not that it may be JSON `null`: the body is T, not
/// required.
fn optional_bodies(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for op in paths.values_mut().flat_map(operations_mut) {
        let Some(body) = op.get_mut("requestBody") else {
            continue;
        };
        let Some(content) = body["content"].as_object_mut() else {
            continue;
        };
        let mut optional = false;
        for media in content.values_mut() {
            let options = media["schema"]["oneOf"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if let [null, schema] = options.as_slice() {
                if null == &json!({ "type": "null" }) {
                    media["schema"] = schema.clone();
                    optional = true;
                }
            }
        }
        if optional {
            body["required"] = json!(false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operations() -> Vec<(String, String, Value)> {
        let mut ops = Vec::new();
        for (path, item) in document()["paths"].as_object().unwrap() {
            for (method, op) in item
                .as_object()
                .unwrap()
                .iter()
                .filter(|(m, _)| METHODS.contains(&m.as_str()))
            {
                ops.push((method.clone(), path.clone(), op.clone()));
            }
        }
        ops
    }

    #[test]
    fn operation_ids_are_unique_and_read_resource_dot_action() {
        let mut seen = std::collections::BTreeMap::new();
        for (method, path, op) in operations() {
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"))
                .to_string();
            let (resource, action) = id
                .split_once('.')
                .unwrap_or_else(|| panic!("{id}: not resource.action"));
            for part in [resource, action] {
                assert!(
                    part.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                        && part.chars().all(|c| c.is_ascii_alphanumeric()),
                    "{id}: camelCase parts"
                );
            }
            if let Some(other) = seen.insert(id.clone(), format!("{method} {path}")) {
                panic!("{id} is the operationId of both {other} and {method} {path}");
            }
        }
    }

    #[test]
    fn every_operation_describes_its_errors() {
        for (method, path, op) in operations() {
            assert_eq!(
                op["responses"]["default"]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{method} {path}"
            );
            assert!(
                op["responses"].get("422").is_none(),
                "{method} {path}: invalid input is 400"
            );
        }
    }

    #[test]
    fn seed_routes_mirror_the_v1_portal_access_routes() {
        let doc = document();
        let seed = &doc["paths"][format!("{SEED_PREFIX}/magic-link")]["post"];
        assert_eq!(seed["operationId"], "seedPortalAccess.createMagicLink");
        assert_eq!(seed["parameters"][0]["name"], "orgId");
        assert_eq!(
            doc["paths"][format!("{V1_PREFIX}/magic-link")]["post"]["operationId"],
            "portalAccess.createMagicLink"
        );
    }
}
