//! Errors as the API answers them: `{"error": "...", "detail": ...}` with the right status.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use reprint_index::IndexError;
use serde_json::{json, Value};

/// An error answer: a status, a sentence, and details a program can read (the field, the
/// record's position, the line).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// What went wrong, for a person.
    pub error: String,
    /// Where, for a program (`null` when nothing more is known).
    pub detail: Value,
}

/// The body of every error answer.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: String,
    /// Where: the field, the record's position in the batch, the line.
    #[schema(value_type = Object)]
    pub detail: Value,
}

impl ApiError {
    /// An error with a status and a message.
    pub fn new(status: StatusCode, error: impl Into<String>) -> ApiError {
        ApiError {
            status,
            error: error.into(),
            detail: Value::Null,
        }
    }

    /// The same error with details.
    pub fn detail(mut self, detail: Value) -> ApiError {
        self.detail = detail;
        self
    }

    pub(crate) fn bad_request(error: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, error)
    }

    pub(crate) fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, what)
    }

    pub(crate) fn internal(error: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, error)
    }

    pub(crate) fn unavailable() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is shutting down; retry on its next start",
        )
    }
}

impl From<IndexError> for ApiError {
    fn from(e: IndexError) -> ApiError {
        let msg = e.to_string();
        match &e {
            IndexError::Duplicate { id } => {
                ApiError::new(StatusCode::CONFLICT, msg).detail(json!({ "id": id }))
            }
            IndexError::Missing { id } => {
                ApiError::new(StatusCode::NOT_FOUND, msg).detail(json!({ "id": id }))
            }
            IndexError::TooLarge { id, bytes } => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, msg)
                .detail(json!({ "id": id, "bytes": bytes })),
            IndexError::Config(_) | IndexError::Settings { .. } => ApiError::bad_request(msg),
            _ => ApiError::internal(msg),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&ErrorBody {
            error: self.error,
            detail: self.detail,
        })
        .unwrap_or_default();
        let mut r = (self.status, body).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/json"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        r
    }
}
