//! The built-in MCP server (the official Rust SDK, `rmcp`): an agent
//! operates a project, or a customer's agent its application, through the
//! same rules as the API, because every tool call is an API request made
//! with the caller's own credential: in-process through the server's router
//! for Streamable HTTP at `/mcp` (so the audit log names the key or portal
//! token, with the client's address), or over HTTP for `hookrelay mcp`
//! (stdio, for local clients). The credential's role or scopes decide which
//! tools exist (`tools::Access`).

mod diagnose;
pub mod tools;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, RoleServer, ServerHandler};
use serde_json::{json, Map, Value};
use tower::ServiceExt;

use tools::{Access, Kind};

/// What the tools answer: the API's JSON, or its error.
pub type Answer = Result<Value, (u16, Value)>;

/// Where a tool's API requests go.
#[derive(Clone)]
pub enum Dispatch {
    /// This server's own routes, for `/mcp`; the peer address goes along
    /// for the audit log.
    Local {
        app: axum::Router,
        peer: Option<ConnectInfo<SocketAddr>>,
    },
    /// A server over HTTP, for `hookrelay mcp`.
    Remote { http: reqwest::Client, base: String },
}

impl Dispatch {
    pub async fn call(
        &self,
        token: &str,
        method: &str,
        path: &str,
        query: &[(String, String)],
        body: Option<&Value>,
    ) -> Answer {
        let mut url = path.to_string();
        if !query.is_empty() {
            url.push('?');
            url.push_str(
                &url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(query)
                    .finish(),
            );
        }
        let (status, bytes) = match self {
            Dispatch::Local { app, peer } => {
                let mut request = Request::builder()
                    .method(Method::from_bytes(method.as_bytes()).map_err(internal)?)
                    .uri(&url)
                    .header("authorization", format!("Bearer {token}"));
                if body.is_some() {
                    request = request.header("content-type", "application/json");
                }
                let mut request = request
                    .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
                    .map_err(internal)?;
                if let Some(peer) = peer {
                    request.extensions_mut().insert(*peer);
                }
                let response = app.clone().oneshot(request).await.map_err(internal)?;
                let status = response.status().as_u16();
                let bytes = axum::body::to_bytes(response.into_body(), 16 << 20)
                    .await
                    .map_err(internal)?;
                (status, bytes.to_vec())
            }
            Dispatch::Remote { http, base } => {
                let mut request = http
                    .request(
                        reqwest::Method::from_bytes(method.as_bytes()).map_err(internal)?,
                        format!("{base}{url}"),
                    )
                    .bearer_auth(token);
                if let Some(b) = body {
                    request = request.json(b);
                }
                let response = request.send().await.map_err(|e| {
                    (
                        502,
                        json!({ "error": { "code": "unreachable", "message": e.to_string() } }),
                    )
                })?;
                let status = response.status().as_u16();
                (status, response.bytes().await.map_err(internal)?.to_vec())
            }
        };
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        if (200..300).contains(&status) {
            Ok(value)
        } else {
            Err((status, value))
        }
    }
}

fn internal(e: impl std::fmt::Display) -> (u16, Value) {
    (
        500,
        json!({ "error": { "code": "internal", "message": e.to_string() } }),
    )
}

/// A credential and what the API lets it do.
#[derive(Clone)]
pub struct Principal {
    token: String,
    access: Access,
}

impl Principal {
    /// Asks the API what `token` may do: a key's role from whether it may
    /// read the project (admin only), a portal token's scopes from its
    /// session. A credential the API refuses is refused here too.
    pub async fn discover(dispatch: &Dispatch, token: &str) -> Result<Principal, (u16, Value)> {
        let access = if token.starts_with(crate::secrets::API_KEY_PREFIX) {
            match dispatch.call(token, "GET", "/v1/project", &[], None).await {
                Ok(_) => Access::Key { admin: true },
                Err((403, _)) => Access::Key { admin: false },
                Err(e) => return Err(e),
            }
        } else if token.starts_with("whpt_") {
            let session = dispatch
                .call(token, "GET", "/portal-api/v1/session", &[], None)
                .await?;
            let write = session["data"]["scopes"]
                .as_array()
                .is_some_and(|s| s.iter().any(|x| x == crate::portal::WRITE));
            Access::Portal { write }
        } else {
            return Err((
                401,
                json!({ "error": { "code": "unauthorized",
                    "message": "MCP takes a project API key (Bearer swk_...) or a portal token (Bearer whpt_...)" } }),
            ));
        };
        Ok(Principal {
            token: token.to_string(),
            access,
        })
    }
}

/// The MCP server. For `/mcp`, the caller and where its requests go come
/// with each request (set by [`authenticate`]); for stdio, they are fixed.
#[derive(Clone, Default)]
pub struct Hookrelay {
    fixed: Option<(Principal, Dispatch)>,
}

impl Hookrelay {
    fn caller(&self, ctx: &RequestContext<RoleServer>) -> Result<(Principal, Dispatch), ErrorData> {
        if let Some(fixed) = &self.fixed {
            return Ok(fixed.clone());
        }
        ctx.extensions
            .get::<axum::http::request::Parts>()
            .and_then(|p| p.extensions.get::<Caller>())
            .map(|c| (c.principal.clone(), c.dispatch.clone()))
            .ok_or_else(|| ErrorData::invalid_request("not authenticated", None))
    }
}

/// Set on each `/mcp` request by [`authenticate`].
#[derive(Clone)]
struct Caller {
    principal: Principal,
    dispatch: Dispatch,
}

impl ServerHandler for Hookrelay {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("hookrelay", env!("CARGO_PKG_VERSION")))
            .with_instructions(
            "Hookrelay: webhooks received, stored and delivered signed with retries. \
             Start with diagnose_endpoint or trace_event to investigate failures; list tools are paged \
             (limit, cursor) and long strings are cut (raise maxFieldChars to see more).",
        )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let (principal, _) = self.caller(&ctx)?;
        Ok(ListToolsResult::with_all_items(
            tools::visible(principal.access).map(tool).collect(),
        ))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let (principal, dispatch) = self.caller(&ctx)?;
        let Some(spec) = tools::find(principal.access, &request.name) else {
            return Err(ErrorData::invalid_params(
                format!("no tool {:?} for this credential", request.name),
                None,
            ));
        };
        let args = request.arguments.unwrap_or_default();
        let max = args
            .get("maxFieldChars")
            .and_then(Value::as_u64)
            .map_or(tools::DEFAULT_FIELD_CHARS, |n| {
                n.clamp(100, 1_000_000) as usize
            });
        let answer = match spec.kind {
            Kind::Api(operation) => call_api(&dispatch, &principal, operation, &args).await,
            Kind::Composite(c) => diagnose::run(c, &dispatch, &principal.token, &args).await,
        };
        Ok(result(answer, max).into())
    }
}

/// The tool of a catalogue entry.
fn tool(spec: &tools::Spec) -> Tool {
    let doc = crate::api::openapi::document();
    let schema = match spec.kind {
        Kind::Api(id) => tools::operation(doc, id)
            .map(|(_, _, op)| tools::input_schema(doc, &op))
            .unwrap_or_default(),
        Kind::Composite(c) => diagnose::input_schema(c),
    };
    Tool::new(spec.name, spec.description, Arc::new(schema))
}

async fn call_api(
    dispatch: &Dispatch,
    principal: &Principal,
    operation: &str,
    args: &Map<String, Value>,
) -> Answer {
    let doc = crate::api::openapi::document();
    let (method, path, op) = tools::operation(doc, operation).ok_or_else(|| internal(operation))?;
    let (path, query, body) = tools::request(&path, &op, args).map_err(|e| {
        (
            400,
            json!({ "error": { "code": "invalid_arguments", "message": e.0 } }),
        )
    })?;
    dispatch
        .call(&principal.token, &method, &path, &query, body.as_ref())
        .await
}

/// A tool's answer: the JSON (long strings cut), or the API's error marked
/// as a tool error so the model sees why.
fn result(answer: Answer, max: usize) -> CallToolResult {
    match answer {
        Ok(mut v) => {
            if v.is_null() {
                v = json!({ "done": true });
            }
            tools::shrink(&mut v, max);
            CallToolResult::success(vec![ContentBlock::text(v.to_string())])
        }
        Err((status, mut body)) => {
            tools::shrink(&mut body, max);
            CallToolResult::error(vec![ContentBlock::text(
                json!({ "status": status, "error": body.get("error").cloned().unwrap_or(body) })
                    .to_string(),
            )])
        }
    }
}

/// `/mcp` (Streamable HTTP, stateless: any node answers any request) in
/// front of `app`, the server's routes, which its tools call.
pub fn routes(app: axum::Router) -> axum::Router {
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        // The Host check guards unauthenticated local servers against DNS
        // rebinding; every request here carries a credential a page cannot
        // know, and the server answers on whatever name it is deployed at.
        .disable_allowed_hosts();
    let service: StreamableHttpService<Hookrelay, NeverSessionManager> =
        StreamableHttpService::new(|| Ok(Hookrelay::default()), Default::default(), config);
    axum::Router::new()
        .route_service("/mcp", service)
        .layer(axum::middleware::from_fn(
            move |request: Request<Body>, next: axum::middleware::Next| {
                authenticate(app.clone(), request, next)
            },
        ))
}

/// Refuses a request without a credential the API accepts (401 or 403 as
/// the API answers), else passes it on with its [`Caller`].
async fn authenticate(
    app: axum::Router,
    mut request: Request<Body>,
    next: axum::middleware::Next,
) -> Response {
    let token = crate::api::extract::bearer_in(request.headers())
        .unwrap_or_default()
        .to_string();
    let dispatch = Dispatch::Local {
        app,
        peer: request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .copied(),
    };
    match Principal::discover(&dispatch, &token).await {
        Ok(principal) => {
            request.extensions_mut().insert(Caller {
                principal,
                dispatch,
            });
            next.run(request).await
        }
        Err((status, body)) => (
            StatusCode::from_u16(status).unwrap_or(StatusCode::UNAUTHORIZED),
            axum::Json(body),
        )
            .into_response(),
    }
}

/// `hookrelay mcp`: the same tools over stdio, calling the server at `base`
/// with `token`.
pub async fn serve_stdio(base: &str, token: &str) -> Result<(), String> {
    use rmcp::ServiceExt as _;
    let http = reqwest::Client::builder()
        .user_agent(concat!("hookrelay-mcp/", env!("CARGO_PKG_VERSION")))
        .timeout(std::time::Duration::from_secs(120))
        .build()
        .map_err(|e| e.to_string())?;
    let dispatch = Dispatch::Remote {
        http,
        base: base.trim_end_matches('/').to_string(),
    };
    let principal = Principal::discover(&dispatch, token)
        .await
        .map_err(|(status, body)| {
            format!(
                "the server refused the credential (HTTP {status}): {}",
                body["error"]["message"].as_str().unwrap_or_default()
            )
        })?;
    let server = Hookrelay {
        fixed: Some((principal, dispatch)),
    };
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| e.to_string())?;
    running.waiting().await.map_err(|e| e.to_string())?;
    Ok(())
}
