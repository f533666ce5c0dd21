//! The routes: documents in and out, clusters, passages, stories, search, stats, health,
//! metrics, the OpenAPI description and the page.

use crate::error::{ApiError, ErrorBody};
use crate::{page, State};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, MatchedPath, Path, Query, Request};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use reprint_engine::records::*;
use reprint_engine::Finding;
use reprint_index::{DocInfo, NewDoc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;
use utoipa::{IntoParams, OpenApi, ToSchema};

/// The API's description, generated from the handlers and their types.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "reprint",
        description = "Duplicates, reused passages and stories of a growing text collection: \
            POST documents as they arrive, get each one's findings against everything indexed \
            before."
    ),
    paths(
        post_documents,
        get_document,
        delete_document,
        get_cluster,
        get_passages,
        get_stories,
        search,
        stats,
        healthz,
        metrics
    ),
    components(schemas(
        DocumentIn,
        Posted,
        DocumentFindings,
        DocumentOut,
        StoredDocument,
        Removed,
        Passages,
        Stories,
        SearchHits,
        SearchHit,
        ErrorBody,
        Finding,
        DocumentRecord,
        PairRecord,
        ClusterRecord,
        AlignmentRecord,
        PassageRecord,
        Occurrence,
        Source,
        StoryRecord,
        StoryAssignmentRecord,
        CommittedRecord
    )),
    modifiers(&Bearer)
)]
pub struct ApiDoc;

struct Bearer;

impl utoipa::Modify for Bearer {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let c = api.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub(crate) fn router(state: Arc<State>) -> Router {
    let limit = state.opts.max_body_bytes;
    let timeout = state.opts.timeout;
    Router::new()
        .route("/", get(page_handler))
        .route("/v1/documents", axum::routing::post(post_documents))
        .route(
            "/v1/documents/{id}",
            get(get_document).delete(delete_document),
        )
        .route("/v1/clusters/{id}", get(get_cluster))
        .route("/v1/passages", get(get_passages))
        .route("/v1/stories", get(get_stories))
        .route("/v1/search", get(search))
        .route("/v1/stats", get(stats))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .fallback(|| async { ApiError::not_found("no such route") })
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard))
        .layer(DefaultBodyLimit::max(limit))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .with_state(state)
}

/// Every request: refused while shutting down, authorized, counted and timed.
async fn guard(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    req: Request,
    next: Next,
) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("other", |m| m.as_str())
        .to_string();
    let resp = if state.stopping.load(Ordering::Acquire) {
        let mut r = ApiError::unavailable().into_response();
        r.headers_mut().insert(
            header::CONNECTION,
            header::HeaderValue::from_static("close"),
        );
        r
    } else if let Err(e) = authorize(&state, &method, req.headers()) {
        e.into_response()
    } else {
        next.run(req).await
    };
    state.metrics.record(
        method.as_str(),
        &route,
        resp.status().as_u16(),
        start.elapsed(),
    );
    resp
}

fn authorize(state: &State, method: &Method, headers: &HeaderMap) -> Result<(), ApiError> {
    let write = matches!(
        *method,
        Method::POST | Method::DELETE | Method::PUT | Method::PATCH
    );
    if !write && !state.opts.auth_reads {
        return Ok(());
    }
    let Some(token) = &state.opts.token else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "this server is read-only: it was started without a write token \
             (--token-file or REPRINT_TOKEN)",
        ));
    };
    let Some(given) = headers.get(header::AUTHORIZATION) else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "this request needs the header Authorization: Bearer <token>",
        ));
    };
    let given = given.to_str().unwrap_or("");
    let Some(given) = given
        .strip_prefix("Bearer ")
        .or_else(|| given.strip_prefix("bearer "))
    else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "the Authorization header must be Bearer <token>",
        ));
    };
    if !same(given.trim().as_bytes(), token.as_bytes()) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "wrong token"));
    }
    Ok(())
}

/// Compares in time independent of where the two differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

// ---- documents ------------------------------------------------------------------------

/// One document to index.
#[derive(Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct DocumentIn {
    /// The caller's id, unique in the index.
    id: String,
    /// The text.
    text: String,
    /// A headline (stories weigh it).
    title: Option<String>,
    /// The publication date, ISO 8601 (the field the index was created with; `date` by
    /// default).
    date: Option<String>,
}

/// Options of a POST.
#[derive(Deserialize, IntoParams)]
pub struct PostParams {
    /// Answer without storing anything.
    #[serde(default)]
    dry_run: bool,
    /// A document whose id is indexed replaces the old one (otherwise 409).
    #[serde(default)]
    replace: bool,
}

/// The answer to a POST: each new document with its findings, in the order sent.
#[derive(Serialize, ToSchema)]
pub struct Posted {
    /// Nothing was stored.
    dry_run: bool,
    /// Documents in the index after this request.
    total: u64,
    /// Each document's findings.
    documents: Vec<DocumentFindings>,
}

/// One document's findings against everything indexed before it.
#[derive(Serialize, ToSchema)]
pub struct DocumentFindings {
    /// Its id.
    id: String,
    /// Its `document` record, its pairs, cluster, alignments, passages and story, as the
    /// command line writes them.
    findings: Vec<Finding>,
}

/// Index one document or a batch; the answer comes once the batch is durable.
#[utoipa::path(
    post,
    path = "/v1/documents",
    params(PostParams),
    request_body(
        content(
            (DocumentIn = "application/json"),
            (Vec<DocumentIn> = "application/json"),
            (String = "application/x-ndjson")
        ),
        description = "One document, a JSON array of them, or JSON lines"
    ),
    responses(
        (status = 200, description = "Stored (durable) or, with dry_run, only answered", body = Posted),
        (status = 400, description = "Malformed JSON or a missing field (named, with the record's position)", body = ErrorBody),
        (status = 401, description = "No token", body = ErrorBody),
        (status = 403, description = "Wrong token", body = ErrorBody),
        (status = 409, description = "An id is already indexed", body = ErrorBody),
        (status = 413, description = "Body or batch too large", body = ErrorBody),
        (status = 415, description = "Not JSON or JSON lines", body = ErrorBody),
        (status = 503, description = "Shutting down", body = ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn post_documents(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    params: Result<Query<PostParams>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<Posted>, ApiError> {
    let params = query(params)?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the body is over the limit of {} bytes (--max-body-mib)",
                    state.opts.max_body_bytes
                ),
            )
        } else {
            ApiError::bad_request(format!("cannot read the body: {}", e.body_text()))
        }
    })?;
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let docs = parse_batch(
        ctype,
        &body,
        &state.date_field,
        state.series_field.as_deref(),
    )?;
    if docs.len() > state.opts.max_batch {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{} documents in one request; the limit is {} (--max-batch)",
                docs.len(),
                state.opts.max_batch
            ),
        )
        .detail(json!({ "documents": docs.len(), "limit": state.opts.max_batch })));
    }
    let dry_run = params.dry_run;
    let replace = params.replace;
    let added = if dry_run {
        state.blocking(move |index| Ok(index.query(&docs)?)).await?
    } else {
        // The writer thread stores it, with whatever other POSTs wait beside it.
        let (reply, answer) = tokio::sync::oneshot::channel();
        state
            .writer
            .send(crate::writer::Job {
                docs,
                replace,
                reply,
            })
            .map_err(|_| ApiError::unavailable())?;
        answer
            .await
            .map_err(|_| ApiError::internal("the writer stopped"))??
    };
    if !dry_run {
        state.changed();
    }
    Ok(Json(Posted {
        dry_run,
        total: added.total,
        documents: group(added.findings),
    }))
}

/// The query string's parameters, or a 400 naming what is wrong with them.
fn query<T>(
    params: Result<Query<T>, axum::extract::rejection::QueryRejection>,
) -> Result<T, ApiError> {
    params
        .map(|Query(p)| p)
        .map_err(|e| ApiError::bad_request(format!("bad query string: {}", e.body_text())))
}

/// Each document's findings (they come document by document, each starting with its
/// `document` record).
fn group(findings: Vec<Finding>) -> Vec<DocumentFindings> {
    crate::writer::split(findings)
        .into_iter()
        .map(|findings| DocumentFindings {
            id: match findings.first() {
                Some(Finding::Document(d)) => d.id.clone(),
                _ => String::new(),
            },
            findings,
        })
        .collect()
}

/// The documents of a body: a JSON object or array (`application/json`) or JSON lines
/// (`application/x-ndjson`). Every record is checked before any is indexed.
pub(crate) fn parse_batch(
    content_type: &str,
    body: &[u8],
    date_field: &str,
    series_field: Option<&str>,
) -> Result<Vec<NewDoc>, ApiError> {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let records: Vec<(Value, Option<usize>)> = match media.as_str() {
        "application/json" => {
            let v: Value = serde_json::from_slice(body).map_err(|e| {
                ApiError::bad_request(format!("malformed JSON: {e}"))
                    .detail(json!({ "line": e.line(), "column": e.column() }))
            })?;
            match v {
                Value::Array(a) => a.into_iter().map(|r| (r, None)).collect(),
                Value::Object(_) => vec![(v, None)],
                _ => {
                    return Err(ApiError::bad_request(
                        "expected a JSON object (one document) or an array of them",
                    ))
                }
            }
        }
        "application/x-ndjson" | "application/jsonl" | "application/json-lines" => {
            let text = std::str::from_utf8(body).map_err(|e| {
                let line = body[..e.valid_up_to()]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count()
                    + 1;
                ApiError::bad_request("the body is not UTF-8").detail(json!({ "line": line }))
            })?;
            let mut out = Vec::new();
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let v: Value = serde_json::from_str(line).map_err(|e| {
                    ApiError::bad_request(format!("malformed JSON on line {}: {e}", i + 1))
                        .detail(json!({ "line": i + 1, "column": e.column() }))
                })?;
                out.push((v, Some(i + 1)));
            }
            out
        }
        "" => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "missing Content-Type: send application/json or application/x-ndjson",
            ))
        }
        other => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!(
                "Content-Type {other} is not taken: send application/json or application/x-ndjson"
            ),
            )
            .detail(json!({ "content_type": other })))
        }
    };
    if records.is_empty() {
        return Err(ApiError::bad_request("no document in the request"));
    }
    records
        .into_iter()
        .enumerate()
        .map(|(i, (v, line))| doc_of(v, i, line, date_field, series_field))
        .collect()
}

fn doc_of(
    v: Value,
    i: usize,
    line: Option<usize>,
    date_field: &str,
    series_field: Option<&str>,
) -> Result<NewDoc, ApiError> {
    let at = |field: &str| {
        let mut d = json!({ "record": i, "field": field });
        if let Some(l) = line {
            d["line"] = json!(l);
        }
        d
    };
    let where_ = match line {
        Some(l) => format!("record {i} (line {l})"),
        None => format!("record {i}"),
    };
    let Value::Object(mut m) = v else {
        return Err(ApiError::bad_request(format!("{where_} is not a JSON object")).detail(at("")));
    };
    let mut string = |field: &str, required: bool| -> Result<Option<String>, ApiError> {
        match m.remove(field) {
            Some(Value::String(s)) => Ok(Some(s)),
            None | Some(Value::Null) if !required => Ok(None),
            None | Some(Value::Null) => Err(ApiError::bad_request(format!(
                "{where_}: missing field \"{field}\""
            ))
            .detail(at(field))),
            Some(other) => Err(ApiError::bad_request(format!(
                "{where_}: field \"{field}\" must be a string, not {}",
                kind(&other)
            ))
            .detail(at(field))),
        }
    };
    let id = string("id", true)?.unwrap_or_default();
    let text = string("text", true)?.unwrap_or_default();
    let title = string("title", false)?;
    let date = string(date_field, false)?;
    // The series may be a string or a number (an outlet's code), as in the batch.
    let series = match series_field.and_then(|f| m.remove(f).map(|v| (f, v))) {
        None | Some((_, Value::Null)) => None,
        Some((_, Value::String(s))) => Some(s),
        Some((_, Value::Number(n))) => Some(n.to_string()),
        Some((f, other)) => {
            return Err(ApiError::bad_request(format!(
                "{where_}: field \"{f}\" must be a string or a number, not {}",
                kind(&other)
            ))
            .detail(at(f)))
        }
    };
    if id.is_empty() {
        return Err(
            ApiError::bad_request(format!("{where_}: field \"id\" is empty")).detail(at("id")),
        );
    }
    Ok(NewDoc {
        id,
        text,
        title,
        date,
        series,
    })
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A stored document as it was added.
#[derive(Serialize, ToSchema)]
pub struct StoredDocument {
    /// Its id.
    id: String,
    /// Its headline, if it had one.
    title: Option<String>,
    /// Its date metadata as written, if it had one.
    date: Option<String>,
    /// Its place in arrival order.
    seq: u32,
    /// The text.
    text: String,
}

/// A document and its findings against the rest of the index.
#[derive(Serialize, ToSchema)]
pub struct DocumentOut {
    /// The document.
    document: StoredDocument,
    /// Its findings, as a POST would answer them today.
    findings: Vec<Finding>,
}

/// One document with its findings.
#[utoipa::path(
    get,
    path = "/v1/documents/{id}",
    params(("id" = String, Path, description = "The document's id")),
    responses(
        (status = 200, body = DocumentOut),
        (status = 404, description = "No document with this id", body = ErrorBody)
    )
)]
async fn get_document(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    Path(id): Path<String>,
) -> Result<Json<DocumentOut>, ApiError> {
    let out = state
        .blocking(move |index| {
            let missing = || ApiError::not_found(format!("no document with id {id:?}"));
            let info: DocInfo = index.info(&id)?.ok_or_else(missing)?;
            let text = index.text(&id)?.ok_or_else(missing)?;
            let findings = index.get(&id)?.ok_or_else(missing)?;
            Ok(DocumentOut {
                document: StoredDocument {
                    id: info.id,
                    title: info.title,
                    date: info.date,
                    seq: info.seq,
                    text,
                },
                findings,
            })
        })
        .await?;
    Ok(Json(out))
}

/// The answer to a DELETE.
#[derive(Serialize, ToSchema)]
pub struct Removed {
    /// The id removed.
    removed: String,
    /// Documents in the index afterwards.
    total: u64,
}

/// Removes a document (its pairs, passage postings and story membership go with it).
#[utoipa::path(
    delete,
    path = "/v1/documents/{id}",
    params(("id" = String, Path, description = "The document's id")),
    responses(
        (status = 200, body = Removed),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
async fn delete_document(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    Path(id): Path<String>,
) -> Result<Json<Removed>, ApiError> {
    let removed = id.clone();
    let total = state
        .blocking(move |index| Ok(index.remove(&[id])?))
        .await?;
    state.changed();
    Ok(Json(Removed { removed, total }))
}

/// One duplicate cluster.
#[utoipa::path(
    get,
    path = "/v1/clusters/{id}",
    params(("id" = u32, Path, description = "The cluster id a document record names")),
    responses(
        (status = 200, body = ClusterRecord),
        (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody)
    )
)]
async fn get_cluster(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    Path(id): Path<String>,
) -> Result<Json<ClusterRecord>, ApiError> {
    let n: u32 = id.parse().map_err(|_| {
        ApiError::bad_request(format!("cluster id {id:?} is not a number"))
            .detail(json!({ "field": "id" }))
    })?;
    let c = state
        .blocking(move |index| Ok(index.cluster(n)?))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no cluster {n}")))?;
    Ok(Json(c))
}

// ---- whole-collection views --------------------------------------------------------------

/// Paging and filters of the passage list.
#[derive(Deserialize, IntoParams)]
pub struct PassageParams {
    /// Only boilerplate (`true`) or only reused passages that are not (`false`).
    boilerplate: Option<bool>,
    /// At most this many (default 100, at most 10 000).
    limit: Option<usize>,
    /// Skip this many first.
    offset: Option<usize>,
}

/// A page of passages.
#[derive(Serialize, ToSchema)]
pub struct Passages {
    /// Passages matching the filter.
    total: usize,
    /// This page of them.
    passages: Vec<PassageRecord>,
}

fn page_of(limit: Option<usize>, offset: Option<usize>) -> (usize, usize) {
    (limit.unwrap_or(100).min(10_000), offset.unwrap_or(0))
}

/// Passages shared by documents, boilerplate flagged, with every occurrence.
#[utoipa::path(
    get,
    path = "/v1/passages",
    params(PassageParams),
    responses((status = 200, body = Passages), (status = 400, body = ErrorBody))
)]
async fn get_passages(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    params: Result<Query<PassageParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Passages>, ApiError> {
    let p = query(params)?;
    let snap = page::snapshot(&state).await?;
    let all: Vec<&PassageRecord> = snap
        .findings
        .iter()
        .filter_map(|f| match f {
            Finding::Passage(p) => Some(p),
            _ => None,
        })
        .filter(|x| p.boilerplate.is_none_or(|b| x.boilerplate == b))
        .collect();
    let (limit, offset) = page_of(p.limit, p.offset);
    Ok(Json(Passages {
        total: all.len(),
        passages: all.into_iter().skip(offset).take(limit).cloned().collect(),
    }))
}

/// The story timeline's window and paging.
#[derive(Deserialize, IntoParams)]
pub struct StoryParams {
    /// Stories seen on or after this day (YYYY-MM-DD).
    from: Option<String>,
    /// Stories seen on or before this day (YYYY-MM-DD).
    to: Option<String>,
    /// At most this many (default 100, at most 10 000).
    limit: Option<usize>,
    /// Skip this many first.
    offset: Option<usize>,
}

/// A page of the story timeline.
#[derive(Serialize, ToSchema)]
pub struct Stories {
    /// Stories in the window.
    total: usize,
    /// This page of them, earliest first.
    stories: Vec<StoryRecord>,
}

fn day(s: &Option<String>, field: &str) -> Result<Option<String>, ApiError> {
    let Some(s) = s else { return Ok(None) };
    let ok = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !ok {
        return Err(
            ApiError::bad_request(format!("{field}={s:?} is not a day: write YYYY-MM-DD"))
                .detail(json!({ "field": field })),
        );
    }
    Ok(Some(s.clone()))
}

/// Stories (documents about one event) as a timeline, earliest first.
#[utoipa::path(
    get,
    path = "/v1/stories",
    params(StoryParams),
    responses((status = 200, body = Stories), (status = 400, body = ErrorBody))
)]
async fn get_stories(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    params: Result<Query<StoryParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Stories>, ApiError> {
    let p = query(params)?;
    let (from, to) = (day(&p.from, "from")?, day(&p.to, "to")?);
    let snap = page::snapshot(&state).await?;
    let mut all: Vec<&StoryRecord> = snap
        .findings
        .iter()
        .filter_map(|f| match f {
            Finding::Story(s) => Some(s),
            _ => None,
        })
        .filter(|s| {
            let first = s.first_seen.as_deref().map(|d| &d[..d.len().min(10)]);
            let last = s
                .last_seen
                .as_deref()
                .map(|d| &d[..d.len().min(10)])
                .or(first);
            match (&from, &to) {
                (None, None) => true,
                _ => {
                    let (Some(first), Some(last)) = (first, last) else {
                        return false;
                    };
                    from.as_deref().is_none_or(|f| last >= f)
                        && to.as_deref().is_none_or(|t| first <= t)
                }
            }
        })
        .collect();
    all.sort_by(|a, b| (&a.first_seen, a.id).cmp(&(&b.first_seen, b.id)));
    let (limit, offset) = page_of(p.limit, p.offset);
    Ok(Json(Stories {
        total: all.len(),
        stories: all.into_iter().skip(offset).take(limit).cloned().collect(),
    }))
}

/// A search.
#[derive(Deserialize, IntoParams)]
pub struct SearchParams {
    /// An id, or words every hit must contain (case-insensitive, whole words).
    q: Option<String>,
    /// At most this many hits (default 20, at most 1 000).
    limit: Option<usize>,
}

/// One hit.
#[derive(Serialize, ToSchema)]
pub struct SearchHit {
    /// The document's id.
    id: String,
    /// Its headline, if any.
    title: Option<String>,
    /// Its date metadata, if any.
    date: Option<String>,
    /// `id` when the query is the document's id, else `words`.
    matched: String,
    /// Text around the first word found.
    snippet: String,
}

/// Search results, newest first.
#[derive(Serialize, ToSchema)]
pub struct SearchHits {
    /// The query.
    q: String,
    /// The hits.
    hits: Vec<SearchHit>,
}

/// Documents by id or by words, newest first.
#[utoipa::path(
    get,
    path = "/v1/search",
    params(SearchParams),
    responses((status = 200, body = SearchHits), (status = 400, body = ErrorBody))
)]
async fn search(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    params: Result<Query<SearchParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<SearchHits>, ApiError> {
    let p = query(params)?;
    let q = p.q.unwrap_or_default();
    if q.trim().is_empty() {
        return Err(
            ApiError::bad_request("give q: an id or words to search for")
                .detail(json!({ "field": "q" })),
        );
    }
    let limit = p.limit.unwrap_or(20).clamp(1, 1_000);
    let query = q.clone();
    let hits = state
        .blocking(move |index| {
            let mut hits = Vec::new();
            let by_id = index.info(query.trim())?;
            if let Some(info) = &by_id {
                let text = index.text(&info.id)?.unwrap_or_default();
                hits.push(SearchHit {
                    id: info.id.clone(),
                    title: info.title.clone(),
                    date: info.date.clone(),
                    matched: "id".into(),
                    snippet: snippet(&text, 0),
                });
            }
            let words = words(&query);
            if words.is_empty() {
                return Ok(hits);
            }
            index.scan_newest(|info, text| {
                if hits.len() >= limit {
                    return false;
                }
                if by_id.as_ref().is_some_and(|b| b.id == info.id) {
                    return true;
                }
                let mut hay = String::with_capacity(text.len() + 64);
                if let Some(t) = &info.title {
                    hay.push_str(t);
                    hay.push('\n');
                }
                hay.push_str(text);
                if let Some(at) = contains_all(&hay, &words) {
                    hits.push(SearchHit {
                        id: info.id.clone(),
                        title: info.title.clone(),
                        date: info.date.clone(),
                        matched: "words".into(),
                        snippet: snippet(&hay, at),
                    });
                }
                true
            })?;
            Ok(hits)
        })
        .await?;
    Ok(Json(SearchHits { q, hits }))
}

/// The query's words, lowercased.
fn words(q: &str) -> Vec<String> {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Where the first of `words` occurs in `text` when every one occurs as a whole word.
fn contains_all(text: &str, words: &[String]) -> Option<usize> {
    let mut found = vec![false; words.len()];
    let mut first = None;
    let mut start = None;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        if c.is_alphanumeric() && i < text.len() {
            start.get_or_insert(i);
            continue;
        }
        if let Some(s) = start.take() {
            let w = &text[s..i];
            for (k, q) in words.iter().enumerate() {
                if !found[k] && w.len() == q.len() && w.to_lowercase() == *q {
                    found[k] = true;
                    first.get_or_insert(s);
                }
            }
            if found.iter().all(|&f| f) {
                return first;
            }
        }
    }
    None
}

/// About 160 bytes of `text` around byte `at`, on character boundaries.
fn snippet(text: &str, at: usize) -> String {
    let mut s = at.saturating_sub(60);
    while !text.is_char_boundary(s) {
        s -= 1;
    }
    let mut e = (at + 100).min(text.len());
    while !text.is_char_boundary(e) {
        e += 1;
    }
    let mut out = String::new();
    if s > 0 {
        out.push('…');
    }
    out.push_str(text[s..e].trim());
    if e < text.len() {
        out.push('…');
    }
    out
}

/// Counts, levels, settings and bytes on disk of the index.
#[utoipa::path(
    get,
    path = "/v1/stats",
    responses((status = 200, description = "The index's stats", body = Object))
)]
async fn stats(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
) -> Result<Json<Value>, ApiError> {
    let s = state.blocking(|index| Ok(index.stats()?)).await?;
    let mut v = serde_json::to_value(s).map_err(|e| ApiError::internal(e.to_string()))?;
    v["generation"] = json!(state.generation.load(Ordering::Acquire));
    Ok(Json(v))
}

/// `{"status": "ok", "documents": n, "generation": g}` while the server takes requests
/// (503 while it shuts down). Cheap: the live page polls it to notice new documents.
#[utoipa::path(
    get,
    path = "/healthz",
    responses((status = 200, body = Object), (status = 503, body = ErrorBody))
)]
async fn healthz(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
) -> Result<Json<Value>, ApiError> {
    let documents = state.blocking(|index| Ok(index.len()?)).await?;
    Ok(Json(json!({
        "status": "ok",
        "documents": documents,
        "generation": state.generation.load(Ordering::Acquire),
    })))
}

/// Requests, latencies, documents and store bytes in Prometheus' text format.
#[utoipa::path(
    get,
    path = "/metrics",
    responses((status = 200, content_type = "text/plain", body = String))
)]
async fn metrics(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
) -> Result<Response, ApiError> {
    let (docs, bytes) = state
        .blocking(|index| Ok((index.len()?, index.bytes_on_disk())))
        .await?;
    let text = state.metrics.render(docs, bytes);
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

async fn page_handler(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
) -> Result<Html<String>, ApiError> {
    page::page(&state).await.map(Html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_checked_record_by_record() {
        let ok = parse_batch(
            "application/json; charset=utf-8",
            br#"[{"id":"a","text":"x","title":"T","date":"2022-02-01","other":1}]"#,
            "date",
            None,
        )
        .unwrap();
        assert_eq!(ok[0].title.as_deref(), Some("T"));
        // A series field: a string or a number, anything else named.
        let with_series = parse_batch(
            "application/json",
            br#"[{"id":"a","text":"x","outlet":"TASS"},{"id":"b","text":"y","outlet":7},{"id":"c","text":"z"}]"#,
            "date",
            Some("outlet"),
        )
        .unwrap();
        let series: Vec<Option<&str>> = with_series.iter().map(|d| d.series.as_deref()).collect();
        assert_eq!(series, [Some("TASS"), Some("7"), None]);
        let e = parse_batch(
            "application/json",
            br#"{"id":"a","text":"x","outlet":["TASS"]}"#,
            "date",
            Some("outlet"),
        )
        .unwrap_err();
        assert!(
            e.error
                .contains("\"outlet\" must be a string or a number, not an array"),
            "{}",
            e.error
        );
        assert_eq!(ok[0].date.as_deref(), Some("2022-02-01"));
        let e = parse_batch(
            "application/json",
            br#"[{"id":"a","text":"x"},{"id":"b"}]"#,
            "date",
            None,
        )
        .unwrap_err();
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert!(
            e.error.contains("record 1") && e.error.contains("\"text\""),
            "{}",
            e.error
        );
        assert_eq!(e.detail["record"], 1);
        let e =
            parse_batch("application/json", br#"{"id":7,"text":"x"}"#, "date", None).unwrap_err();
        assert!(
            e.error.contains("must be a string, not a number"),
            "{}",
            e.error
        );
        let e = parse_batch(
            "application/x-ndjson",
            b"{\"id\":\"a\",\"text\":\"x\"}\n{oops\n",
            "date",
            None,
        )
        .unwrap_err();
        assert_eq!(e.detail["line"], 2);
        let e = parse_batch("text/plain", b"x", "date", None).unwrap_err();
        assert_eq!(e.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let e = parse_batch("application/json", b"[]", "date", None).unwrap_err();
        assert!(e.error.contains("no document"));
    }

    #[test]
    fn search_matches_whole_words_in_any_case() {
        let w = words("Putin, draghi");
        assert_eq!(
            contains_all("Vladimir Putin spoke to Mario Draghi.", &w),
            Some(9)
        );
        assert_eq!(contains_all("Putinism and Draghi", &w), None);
        assert_eq!(snippet("short", 0), "short");
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
    }
}
