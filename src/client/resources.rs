//! The client commands of the API's resources: each one request, printed as
//! a table or as the API's JSON.

use reqwest::Method;
use serde_json::{json, Map, Value};

use super::args::*;
use super::http::{header_map, json_arg, query, stdin_or, Failure};
use super::output::Column;
use super::{list, seg, Ctx};

const WEBHOOK_ROWS: &[Column] = &[
    ("ID", "id"),
    ("NAME", "name"),
    ("DESTINATION", "destinationUrl"),
    ("ENABLED", "enabled"),
    ("APPLICATION", "applicationId"),
    ("CREATED", "createdAt"),
];
const WEBHOOK_FIELDS: &[Column] = &[
    ("ID", "id"),
    ("NAME", "name"),
    ("DESCRIPTION", "description"),
    ("DESTINATION", "destinationUrl"),
    ("ENABLED", "enabled"),
    ("DISABLED REASON", "disabledReason"),
    ("INGEST URL", "ingestUrl"),
    ("HEADERS", "headers"),
    ("TIMEOUT SECONDS", "timeoutSeconds"),
    ("RETRY SCHEDULE", "retrySchedule"),
    ("APPLICATION", "applicationId"),
    ("EVENT TYPES", "eventTypes"),
    ("MAX IN FLIGHT", "maxInFlight"),
    ("RATE LIMIT", "rateLimit"),
    ("ORDERING", "ordering"),
    ("CIRCUIT", "circuit.state"),
    ("HELD", "heldCount"),
    ("CREATED", "createdAt"),
    ("UPDATED", "updatedAt"),
];

/// The body fields common to webhook create and update.
fn webhook_body(body: &mut Map<String, Value>, f: WebhookFields) -> Result<(), Failure> {
    if let Some(d) = f.description {
        body.insert("description".into(), json!(d));
    }
    if !f.headers.is_empty() {
        body.insert("headers".into(), header_map(&f.headers)?);
    }
    if let Some(t) = f.timeout_seconds {
        body.insert("timeoutSeconds".into(), json!(t));
    }
    if let Some(s) = f.retry_schedule {
        body.insert("retrySchedule".into(), json!(s));
    }
    if !f.event_types.is_empty() {
        body.insert("eventTypes".into(), json!(f.event_types));
    }
    for (key, value) in [
        ("maxInFlight", f.max_in_flight),
        ("rateLimit", f.rate_limit),
    ] {
        if let Some(v) = value {
            body.insert(key.into(), json!(v));
        }
    }
    if let Some(o) = f.ordering {
        body.insert("ordering".into(), json!(o));
    }
    Ok(())
}

/// Prints an answer that carries one-time secrets, with a reminder.
fn with_secrets(ctx: &Ctx, answer: &Value, fields: &[Column]) {
    ctx.out.item(answer, fields);
    if !ctx.out.json {
        eprintln!("(secrets are shown this once: store them now)");
    }
}

pub async fn webhooks(ctx: &Ctx, command: WebhookCommand) -> Result<(), Failure> {
    let c = &ctx.client;
    match command {
        WebhookCommand::List { paging } => ctx.out.list(
            &list(ctx, "/v1/webhooks", vec![], &paging).await?,
            WEBHOOK_ROWS,
        ),
        WebhookCommand::Get { id } => ctx.out.item(
            &c.send(c.get(&format!("/v1/webhooks/{}", seg(&id)))).await?,
            WEBHOOK_FIELDS,
        ),
        WebhookCommand::Create {
            name,
            destination_url,
            disabled,
            application,
            fields,
        } => {
            let mut body = Map::new();
            body.insert("name".into(), json!(name));
            body.insert("destinationUrl".into(), json!(destination_url));
            body.insert("enabled".into(), json!(!disabled));
            if let Some(a) = application {
                body.insert("applicationId".into(), json!(a));
            }
            webhook_body(&mut body, fields)?;
            let answer = c.send(c.post("/v1/webhooks", &Value::Object(body))).await?;
            let mut fields = WEBHOOK_FIELDS.to_vec();
            fields.extend([
                ("INGEST SECRET", "ingestSecret"),
                ("SIGNING SECRET", "signingSecret"),
            ]);
            with_secrets(ctx, &answer, &fields);
        }
        WebhookCommand::Update {
            id,
            name,
            destination_url,
            enable,
            disable,
            default_retry_schedule,
            all_event_types,
            default_max_in_flight,
            no_rate_limit,
            fields,
        } => {
            let mut body = Map::new();
            if let Some(n) = name {
                body.insert("name".into(), json!(n));
            }
            if let Some(u) = destination_url {
                body.insert("destinationUrl".into(), json!(u));
            }
            if enable || disable {
                body.insert("enabled".into(), json!(enable));
            }
            webhook_body(&mut body, fields)?;
            if default_retry_schedule {
                body.insert("retrySchedule".into(), Value::Null);
            }
            if all_event_types {
                body.insert("eventTypes".into(), Value::Null);
            }
            if default_max_in_flight {
                body.insert("maxInFlight".into(), Value::Null);
            }
            if no_rate_limit {
                body.insert("rateLimit".into(), Value::Null);
            }
            let request = c
                .request(Method::PATCH, &format!("/v1/webhooks/{}", seg(&id)))
                .json(&body);
            ctx.out.item(&c.send(request).await?, WEBHOOK_FIELDS);
        }
        WebhookCommand::Delete { id } => {
            c.send(c.request(Method::DELETE, &format!("/v1/webhooks/{}", seg(&id))))
                .await?;
            ctx.out.done(&format!("webhook {id} deleted"));
        }
        WebhookCommand::RotateIngestSecret {
            id,
            overlap_seconds,
        } => {
            let answer = c
                .send(c.post(
                    &format!("/v1/webhooks/{}/rotate-ingest-secret", seg(&id)),
                    &overlap(overlap_seconds),
                ))
                .await?;
            with_secrets(
                ctx,
                &answer,
                &[
                    ("INGEST SECRET", "ingestSecret"),
                    ("VERSION", "version"),
                    ("PREVIOUS RETIRES", "previousRetiredAt"),
                ],
            );
        }
        WebhookCommand::RotateSigningSecret {
            id,
            overlap_seconds,
        } => {
            let answer = c
                .send(c.post(
                    &format!("/v1/webhooks/{}/rotate-signing-secret", seg(&id)),
                    &overlap(overlap_seconds),
                ))
                .await?;
            with_secrets(
                ctx,
                &answer,
                &[
                    ("SIGNING SECRET", "signingSecret"),
                    ("VERSION", "version"),
                    ("PREVIOUS RETIRES", "previousRetiredAt"),
                ],
            );
        }
        WebhookCommand::SecretVersions { id } => {
            let answer = c
                .send(c.get(&format!("/v1/webhooks/{}/secret-versions", seg(&id))))
                .await?;
            let columns = [
                ("KIND", "kind"),
                ("VERSION", "version"),
                ("PREFIX", "prefix"),
                ("STATUS", "status"),
                ("CREATED", "createdAt"),
                ("RETIRED", "retiredAt"),
            ];
            ctx.out.list(&answer, &columns);
        }
        WebhookCommand::Send {
            id,
            data,
            content_type,
            idempotency_key,
        } => {
            let mut request = c
                .request(Method::POST, &format!("/v1/webhooks/{}/events", seg(&id)))
                .header("content-type", content_type)
                .body(stdin_or(&data)?);
            if let Some(k) = idempotency_key {
                request = request.header("idempotency-key", k);
            }
            ctx.out.item(
                &c.send(request).await?,
                &[("DELIVERY", "id"), ("WEBHOOK", "webhookId")],
            );
        }
    }
    Ok(())
}

fn overlap(seconds: Option<i64>) -> Value {
    match seconds {
        Some(s) => json!({ "overlapSeconds": s }),
        None => json!({}),
    }
}

const APPLICATION_FIELDS: &[Column] = &[
    ("ID", "id"),
    ("UID", "uid"),
    ("NAME", "name"),
    ("METADATA", "metadata"),
    ("FRAME ANCESTORS", "portalFrameAncestors"),
    ("CREATED", "createdAt"),
    ("UPDATED", "updatedAt"),
];

pub async fn applications(ctx: &Ctx, command: ApplicationCommand) -> Result<(), Failure> {
    let c = &ctx.client;
    let path = |id: &str| format!("/v1/applications/{}", seg(id));
    match command {
        ApplicationCommand::List { paging } => {
            let columns = [
                ("ID", "id"),
                ("UID", "uid"),
                ("NAME", "name"),
                ("CREATED", "createdAt"),
            ];
            ctx.out.list(
                &list(ctx, "/v1/applications", vec![], &paging).await?,
                &columns,
            );
        }
        ApplicationCommand::Get { id } => ctx
            .out
            .item(&c.send(c.get(&path(&id))).await?, APPLICATION_FIELDS),
        ApplicationCommand::Create {
            name,
            uid,
            metadata,
            frame_ancestors,
        } => {
            let mut body = json!({ "name": name });
            if let Some(u) = uid {
                body["uid"] = json!(u);
            }
            if let Some(m) = metadata {
                body["metadata"] = json_arg("--metadata", &m)?;
            }
            if !frame_ancestors.is_empty() {
                body["portalFrameAncestors"] = json!(frame_ancestors);
            }
            ctx.out.item(
                &c.send(c.post("/v1/applications", &body)).await?,
                APPLICATION_FIELDS,
            );
        }
        ApplicationCommand::Update {
            id,
            name,
            uid,
            remove_uid,
            metadata,
            frame_ancestors,
            default_frame_ancestors,
        } => {
            let mut body = json!({});
            if let Some(n) = name {
                body["name"] = json!(n);
            }
            if let Some(u) = uid {
                body["uid"] = json!(u);
            }
            if remove_uid {
                body["uid"] = Value::Null;
            }
            if let Some(m) = metadata {
                body["metadata"] = json_arg("--metadata", &m)?;
            }
            if !frame_ancestors.is_empty() {
                body["portalFrameAncestors"] = json!(frame_ancestors);
            }
            if default_frame_ancestors {
                body["portalFrameAncestors"] = Value::Null;
            }
            ctx.out.item(
                &c.send(c.request(Method::PATCH, &path(&id)).json(&body))
                    .await?,
                APPLICATION_FIELDS,
            );
        }
        ApplicationCommand::Delete { id } => {
            c.send(c.request(Method::DELETE, &path(&id))).await?;
            ctx.out.done(&format!("application {id} deleted"));
        }
        ApplicationCommand::SendMessage {
            id,
            event_type,
            payload,
            idempotency_key,
        } => {
            let payload = String::from_utf8(stdin_or(&payload)?)
                .map_err(|_| super::usage("--payload: not UTF-8"))?;
            let body =
                json!({ "eventType": event_type, "payload": json_arg("--payload", &payload)? });
            let mut request = c.post(&format!("{}/messages", path(&id)), &body);
            if let Some(k) = idempotency_key {
                request = request.header("idempotency-key", k);
            }
            let answer = c.send(request).await?;
            if ctx.out.json {
                ctx.out.raw(&answer);
                return Ok(());
            }
            println!(
                "message {} ({}) queued for {} endpoint(s)",
                answer["data"]["id"].as_str().unwrap_or("?"),
                event_type_of(&answer),
                count(&answer["data"]["deliveries"])
            );
            let deliveries = answer["data"]["deliveries"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if !deliveries.is_empty() {
                println!(
                    "{}",
                    super::output::rows(
                        &deliveries,
                        &[("DELIVERY", "id"), ("ENDPOINT", "endpointId")]
                    )
                );
            }
        }
    }
    Ok(())
}

fn event_type_of(answer: &Value) -> &str {
    answer["data"]["eventType"].as_str().unwrap_or("?")
}

fn count(v: &Value) -> usize {
    v.as_array().map_or(0, Vec::len)
}

const EVENT_TYPE_FIELDS: &[Column] = &[
    ("NAME", "name"),
    ("DESCRIPTION", "description"),
    ("SCHEMA", "schema"),
    ("CREATED", "createdAt"),
    ("UPDATED", "updatedAt"),
];

pub async fn event_types(ctx: &Ctx, command: EventTypeCommand) -> Result<(), Failure> {
    let c = &ctx.client;
    let path = |name: &str| format!("/v1/event-types/{}", seg(name));
    match command {
        EventTypeCommand::List { paging } => {
            let columns = [
                ("NAME", "name"),
                ("DESCRIPTION", "description"),
                ("CREATED", "createdAt"),
            ];
            ctx.out.list(
                &list(ctx, "/v1/event-types", vec![], &paging).await?,
                &columns,
            );
        }
        EventTypeCommand::Get { name } => ctx
            .out
            .item(&c.send(c.get(&path(&name))).await?, EVENT_TYPE_FIELDS),
        EventTypeCommand::Create {
            name,
            description,
            schema,
        } => {
            let mut body = json!({ "name": name });
            if let Some(d) = description {
                body["description"] = json!(d);
            }
            if let Some(s) = schema {
                body["schema"] = json_arg("--schema", &s)?;
            }
            ctx.out.item(
                &c.send(c.post("/v1/event-types", &body)).await?,
                EVENT_TYPE_FIELDS,
            );
        }
        EventTypeCommand::Update {
            name,
            description,
            schema,
            remove_schema,
        } => {
            let mut body = json!({});
            if let Some(d) = description {
                body["description"] = json!(d);
            }
            if let Some(s) = schema {
                body["schema"] = json_arg("--schema", &s)?;
            }
            if remove_schema {
                body["schema"] = Value::Null;
            }
            ctx.out.item(
                &c.send(c.request(Method::PATCH, &path(&name)).json(&body))
                    .await?,
                EVENT_TYPE_FIELDS,
            );
        }
        EventTypeCommand::Delete { name } => {
            c.send(c.request(Method::DELETE, &path(&name))).await?;
            ctx.out.done(&format!("event type {name} deleted"));
        }
    }
    Ok(())
}

const PORTAL_TOKEN_FIELDS: &[Column] = &[
    ("ID", "id"),
    ("APPLICATION", "applicationId"),
    ("NAME", "name"),
    ("PREFIX", "prefix"),
    ("SCOPES", "scopes"),
    ("EXPIRES", "expiresAt"),
    ("CREATED", "createdAt"),
    ("REVOKED", "revokedAt"),
];

fn scopes(body: &mut Value, scopes: Scopes) {
    if !scopes.scopes.is_empty() {
        body["scopes"] = json!(scopes.scopes);
    }
}

pub async fn portal(ctx: &Ctx, command: PortalCommand) -> Result<(), Failure> {
    let c = &ctx.client;
    let base = |app: &str| format!("/v1/applications/{}/portal", seg(app));
    match command {
        PortalCommand::MagicLink {
            application,
            expires_in_minutes,
            scopes: s,
        } => {
            let mut body = json!({});
            if let Some(m) = expires_in_minutes {
                body["expiresInMinutes"] = json!(m);
            }
            scopes(&mut body, s);
            let answer = c
                .send(c.post(&format!("{}/magic-link", base(&application)), &body))
                .await?;
            ctx.out.item(
                &answer,
                &[
                    ("URL", "url"),
                    ("TOKEN", "token"),
                    ("EXPIRES", "expiresAt"),
                    ("SCOPES", "scopes"),
                ],
            );
        }
        PortalCommand::Tokens(PortalTokenCommand::List {
            application,
            paging,
        }) => {
            let answer = list(
                ctx,
                &format!("{}/tokens", base(&application)),
                vec![],
                &paging,
            )
            .await?;
            let columns = [
                ("ID", "id"),
                ("NAME", "name"),
                ("PREFIX", "prefix"),
                ("SCOPES", "scopes"),
                ("EXPIRES", "expiresAt"),
                ("REVOKED", "revokedAt"),
            ];
            ctx.out.list(&answer, &columns);
        }
        PortalCommand::Tokens(PortalTokenCommand::Create {
            application,
            name,
            expires_in_days,
            scopes: s,
        }) => {
            let mut body = json!({});
            if let Some(n) = name {
                body["name"] = json!(n);
            }
            if let Some(d) = expires_in_days {
                body["expiresInDays"] = json!(d);
            }
            scopes(&mut body, s);
            let answer = c
                .send(c.post(&format!("{}/tokens", base(&application)), &body))
                .await?;
            let mut fields = PORTAL_TOKEN_FIELDS.to_vec();
            fields.push(("TOKEN", "token"));
            with_secrets(ctx, &answer, &fields);
        }
        PortalCommand::Tokens(PortalTokenCommand::Revoke { application, token }) => {
            c.send(c.request(
                Method::DELETE,
                &format!("{}/tokens/{}", base(&application), seg(&token)),
            ))
            .await?;
            ctx.out.done(&format!("portal token {token} revoked"));
        }
        PortalCommand::Settings(PortalSettingsCommand::Get) => {
            ctx.out.item(
                &c.send(c.get("/v1/project/portal-settings")).await?,
                &[("FRAME ANCESTORS", "portalFrameAncestors")],
            );
        }
        PortalCommand::Settings(PortalSettingsCommand::Set {
            frame_ancestors,
            any_origin,
        }) => {
            let value = if any_origin {
                Value::Null
            } else {
                json!(frame_ancestors)
            };
            let request = c
                .request(Method::PUT, "/v1/project/portal-settings")
                .json(&json!({ "portalFrameAncestors": value }));
            ctx.out.item(
                &c.send(request).await?,
                &[("FRAME ANCESTORS", "portalFrameAncestors")],
            );
        }
    }
    Ok(())
}

const KEY_FIELDS: &[Column] = &[
    ("ID", "id"),
    ("NAME", "name"),
    ("ROLE", "role"),
    ("PREFIX", "prefix"),
    ("STATUS", "status"),
    ("CREATED", "createdAt"),
    ("ROTATED", "rotatedAt"),
    ("REVOKED", "revokedAt"),
];

pub async fn api_keys(ctx: &Ctx, command: ApiKeyCommand) -> Result<(), Failure> {
    let c = &ctx.client;
    let path = |id: &str| format!("/v1/project/api-keys/{}", seg(id));
    let with_secret = || {
        let mut f = KEY_FIELDS.to_vec();
        f.push(("SECRET", "secret"));
        f
    };
    match command {
        ApiKeyCommand::List { paging } => {
            let columns = [
                ("ID", "id"),
                ("NAME", "name"),
                ("ROLE", "role"),
                ("PREFIX", "prefix"),
                ("STATUS", "status"),
                ("CREATED", "createdAt"),
            ];
            ctx.out.list(
                &list(ctx, "/v1/project/api-keys", vec![], &paging).await?,
                &columns,
            );
        }
        ApiKeyCommand::Get { id } => ctx.out.item(&c.send(c.get(&path(&id))).await?, KEY_FIELDS),
        ApiKeyCommand::Create { name, role } => {
            let answer = c
                .send(c.post(
                    "/v1/project/api-keys",
                    &json!({ "name": name, "role": role }),
                ))
                .await?;
            with_secrets(ctx, &answer, &with_secret());
        }
        ApiKeyCommand::Revoke { id } => ctx.out.item(
            &c.send(c.post(&format!("{}/revoke", path(&id)), &json!({})))
                .await?,
            KEY_FIELDS,
        ),
        ApiKeyCommand::Rotate { id } => {
            let answer = c
                .send(c.post(&format!("{}/rotate", path(&id)), &json!({})))
                .await?;
            with_secrets(ctx, &answer, &with_secret());
        }
    }
    Ok(())
}

const SCHEDULE_FIELDS: &[Column] = &[
    ("ID", "id"),
    ("WEBHOOK", "webhookId"),
    ("NAME", "name"),
    ("CRON", "cron"),
    ("TIME ZONE", "timeZone"),
    ("RUN AT", "runAt"),
    ("STATUS", "status"),
    ("NEXT RUN", "nextRunAt"),
    ("LAST RUN", "lastRunAt"),
    ("LAST DELIVERY", "lastDeliveryId"),
    ("CONTENT TYPE", "contentType"),
    ("PAYLOAD", "payload"),
    ("HEADERS", "headers"),
];

pub async fn schedules(ctx: &Ctx, command: ScheduleCommand) -> Result<(), Failure> {
    let c = &ctx.client;
    let base = |webhook: &str| format!("/v1/webhooks/{}/schedules", seg(webhook));
    match command {
        ScheduleCommand::List { webhook, paging } => {
            let columns = [
                ("ID", "id"),
                ("NAME", "name"),
                ("CRON", "cron"),
                ("RUN AT", "runAt"),
                ("STATUS", "status"),
                ("NEXT RUN", "nextRunAt"),
            ];
            ctx.out.list(
                &list(ctx, &base(&webhook), vec![], &paging).await?,
                &columns,
            );
        }
        ScheduleCommand::Get { webhook, id } => {
            ctx.out.item(
                &c.send(c.get(&format!("{}/{}", base(&webhook), seg(&id))))
                    .await?,
                SCHEDULE_FIELDS,
            );
        }
        ScheduleCommand::Create {
            webhook,
            name,
            cron,
            time_zone,
            run_at,
            payload,
            content_type,
            headers,
        } => {
            let mut body = json!({ "payload": payload, "headers": header_map(&headers)? });
            for (k, v) in [
                ("name", name),
                ("cron", cron),
                ("timeZone", time_zone),
                ("runAt", run_at),
                ("contentType", content_type),
            ] {
                if let Some(v) = v {
                    body[k] = json!(v);
                }
            }
            ctx.out.item(
                &c.send(c.post(&base(&webhook), &body)).await?,
                SCHEDULE_FIELDS,
            );
        }
        ScheduleCommand::Pause { webhook, id } => {
            ctx.out.item(
                &c.send(c.post(
                    &format!("{}/{}/pause", base(&webhook), seg(&id)),
                    &json!({}),
                ))
                .await?,
                SCHEDULE_FIELDS,
            );
        }
        ScheduleCommand::Resume { webhook, id } => {
            ctx.out.item(
                &c.send(c.post(
                    &format!("{}/{}/resume", base(&webhook), seg(&id)),
                    &json!({}),
                ))
                .await?,
                SCHEDULE_FIELDS,
            );
        }
        ScheduleCommand::Delete { webhook, id } => {
            c.send(c.request(Method::DELETE, &format!("{}/{}", base(&webhook), seg(&id))))
                .await?;
            ctx.out.done(&format!("schedule {id} deleted"));
        }
    }
    Ok(())
}

pub async fn audit_log(ctx: &Ctx, command: AuditLogCommand) -> Result<(), Failure> {
    let AuditLogCommand::List {
        action,
        actor,
        target,
        from,
        to,
        paging,
    } = command;
    let q = query(&[
        ("action", action),
        ("actorId", actor),
        ("targetId", target),
        ("from", from),
        ("to", to),
    ]);
    let answer = list(ctx, "/v1/project/audit-logs", q, &paging).await?;
    let columns = [
        ("TIME", "createdAt"),
        ("ACTION", "action"),
        ("ACTOR", "actor.type"),
        ("ACTOR ID", "actor.id"),
        ("LABEL", "actor.label"),
        ("TARGET", "target.id"),
        ("SUMMARY", "summary"),
    ];
    ctx.out.list(&answer, &columns);
    Ok(())
}

const CHANNEL_FIELDS: &[Column] = &[
    ("ID", "id"),
    ("URL", "url"),
    ("DESCRIPTION", "description"),
    ("SECRET PREFIX", "signingSecretPrefix"),
    ("CREATED", "createdAt"),
];

pub async fn channels(ctx: &Ctx, command: ChannelCommand) -> Result<(), Failure> {
    let c = &ctx.client;
    let path = |id: &str| format!("/v1/project/notification-channels/{}", seg(id));
    match command {
        ChannelCommand::List { paging } => {
            let columns = [
                ("ID", "id"),
                ("URL", "url"),
                ("DESCRIPTION", "description"),
                ("CREATED", "createdAt"),
            ];
            ctx.out.list(
                &list(ctx, "/v1/project/notification-channels", vec![], &paging).await?,
                &columns,
            );
        }
        ChannelCommand::Get { id } => ctx
            .out
            .item(&c.send(c.get(&path(&id))).await?, CHANNEL_FIELDS),
        ChannelCommand::Create {
            destination,
            description,
        } => {
            let mut body = json!({ "url": destination });
            if let Some(d) = description {
                body["description"] = json!(d);
            }
            let answer = c
                .send(c.post("/v1/project/notification-channels", &body))
                .await?;
            let mut fields = CHANNEL_FIELDS.to_vec();
            fields.push(("SIGNING SECRET", "signingSecret"));
            with_secrets(ctx, &answer, &fields);
        }
        ChannelCommand::Delete { id } => {
            c.send(c.request(Method::DELETE, &path(&id))).await?;
            ctx.out.done(&format!("notification channel {id} deleted"));
        }
    }
    Ok(())
}
