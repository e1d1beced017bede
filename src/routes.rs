//! Routes declared once: each declaration registers its handler in an axum `Router` and
//! describes the operation in the service's Swagger 2.0 document, which `GET /1/swagger`
//! answers (JSON, or YAML with `Accept: application/x-yaml`, spec/rest-api.md §1.4). So a
//! route cannot exist undocumented, nor a documented operation without its route.

use axum::handler::Handler;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodFilter;
use axum::Router;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// What the document says about one operation: a summary, the parameters other than the
/// path's (those come from the path itself) and the answers.
pub struct Doc {
    summary: &'static str,
    params: Vec<Value>,
    /// Path parameters that take one of a few values.
    choices: Vec<(&'static str, &'static [&'static str])>,
    responses: Map<String, Value>,
}

/// The description of an operation, starting with its summary.
pub fn doc(summary: &'static str) -> Doc {
    Doc {
        summary,
        params: Vec::new(),
        choices: Vec::new(),
        responses: Map::new(),
    }
}

impl Doc {
    /// An optional query parameter.
    pub fn query(mut self, name: &str, description: &str) -> Doc {
        self.params
            .push(json!({"name": name, "in": "query", "type": "string",
                                "required": false, "description": description}));
        self
    }

    /// A request header the operation reads.
    pub fn header(mut self, name: &str, description: &str) -> Doc {
        self.params
            .push(json!({"name": name, "in": "header", "type": "string",
                                "required": false, "description": description}));
        self
    }

    /// The request body.
    pub fn body(mut self, description: &str) -> Doc {
        self.params
            .push(json!({"name": "body", "in": "body", "required": true,
                                "description": description, "schema": {"type": "string"}}));
        self
    }

    /// A path parameter that takes one of `values`.
    pub fn choices(mut self, name: &'static str, values: &'static [&'static str]) -> Doc {
        self.choices.push((name, values));
        self
    }

    /// An answer the operation gives.
    pub fn answers(mut self, status: u16, description: &str) -> Doc {
        self.responses
            .insert(status.to_string(), json!({"description": description}));
        self
    }

    fn operation(self, method: &str, path: &str) -> Value {
        let mut params: Vec<Value> = path_params(path)
            .map(|name| {
                let mut p = json!({"name": name, "in": "path", "type": "string", "required": true});
                if let Some((_, values)) = self.choices.iter().find(|(n, _)| *n == name) {
                    p["enum"] = json!(values);
                }
                p
            })
            .collect();
        params.extend(self.params);
        let mut responses = self.responses;
        if responses.is_empty() {
            responses.insert("default".into(), json!({"description": self.summary}));
        }
        let id: Vec<&str> = std::iter::once(method)
            .chain(
                path.split(['/', '{', '}', '*', '-'])
                    .filter(|w| !w.is_empty()),
            )
            .collect();
        json!({"summary": self.summary, "operationId": id.join("_"),
               "parameters": params, "responses": responses})
    }
}

/// The names of a path's parameters: `{slot}`, and `{*name}` (the rest of the path).
fn path_params(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter_map(|segment| {
        let name = segment.strip_prefix('{')?.strip_suffix('}')?;
        Some(name.trim_start_matches('*'))
    })
}

/// A service's routes and their document, built together.
pub struct Routes<S> {
    router: Router<S>,
    paths: Map<String, Value>,
}

impl<S: Clone + Send + Sync + 'static> Default for Routes<S> {
    fn default() -> Self {
        Routes {
            router: Router::new(),
            paths: Map::new(),
        }
    }
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn get<H: Handler<T, S>, T: 'static>(self, path: &str, doc: Doc, handler: H) -> Self {
        self.on(MethodFilter::GET, "get", path, doc, handler)
    }

    pub fn head<H: Handler<T, S>, T: 'static>(self, path: &str, doc: Doc, handler: H) -> Self {
        self.on(MethodFilter::HEAD, "head", path, doc, handler)
    }

    pub fn put<H: Handler<T, S>, T: 'static>(self, path: &str, doc: Doc, handler: H) -> Self {
        self.on(MethodFilter::PUT, "put", path, doc, handler)
    }

    pub fn post<H: Handler<T, S>, T: 'static>(self, path: &str, doc: Doc, handler: H) -> Self {
        self.on(MethodFilter::POST, "post", path, doc, handler)
    }

    pub fn delete<H: Handler<T, S>, T: 'static>(self, path: &str, doc: Doc, handler: H) -> Self {
        self.on(MethodFilter::DELETE, "delete", path, doc, handler)
    }

    fn on<H: Handler<T, S>, T: 'static>(
        mut self,
        filter: MethodFilter,
        method: &str,
        path: &str,
        doc: Doc,
        handler: H,
    ) -> Self {
        // (axum merges the methods of one path, and refuses the same method twice)
        self.router = self.router.route(path, axum::routing::on(filter, handler));
        self.document(method, path, doc);
        self
    }

    fn document(&mut self, method: &str, path: &str, doc: Doc) {
        // `{*name}` is axum's; the document names the parameter as any other
        let shown = path.replace("{*", "{");
        let item = self
            .paths
            .entry(shown)
            .or_insert_with(|| Value::Object(Map::new()));
        item[method] = doc.operation(method, path);
    }

    /// These routes and `other`'s.
    pub fn merge(mut self, other: Routes<S>) -> Self {
        self.router = self.router.merge(other.router);
        for (path, item) in other.paths {
            let Value::Object(operations) = item else {
                continue;
            };
            let mine = self
                .paths
                .entry(path)
                .or_insert_with(|| Value::Object(Map::new()));
            for (method, operation) in operations {
                mine[method] = operation;
            }
        }
        self
    }

    /// The routes with their state given, for a service of any state.
    pub fn with_state<S2: Clone + Send + Sync + 'static>(self, state: S) -> Routes<S2> {
        Routes {
            router: self.router.with_state(state),
            paths: self.paths,
        }
    }

    /// The router, with `GET /1/swagger` answering the document of every route: the service
    /// `title`, at `base_path` (where its paths start).
    pub fn with_swagger(mut self, title: &str, base_path: &str) -> Router<S> {
        let swagger = doc("This document: the service's operations (Swagger 2.0)")
            .header("Accept", "application/x-yaml for YAML; JSON otherwise")
            .answers(200, "The service's Swagger document");
        self.document("get", "/1/swagger", swagger);
        let document = Arc::new(json!({
            "swagger": "2.0",
            "info": {"title": title, "version": crate::VERSION},
            "basePath": base_path,
            "schemes": ["https", "http"],
            "paths": self.paths,
        }));
        self.router.route(
            "/1/swagger",
            axum::routing::get(move |headers: HeaderMap| async move {
                swagger_answer(&document, &headers)
            }),
        )
    }
}

/// The document as JSON, or as YAML when the client accepts that.
fn swagger_answer(document: &Value, headers: &HeaderMap) -> Response {
    let yaml = headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/x-yaml"));
    let (content_type, body) = if yaml {
        let style = crate::yaml::Style {
            allow_unicode: true,
        };
        ("application/x-yaml", crate::yaml::dump(document, style))
    } else {
        ("application/json", document.to_string())
    };
    ([(axum::http::header::CONTENT_TYPE, content_type)], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameters_come_from_the_path_and_choices_become_an_enum() {
        let op = doc("x")
            .choices("kind", &["schema", "stream"])
            .query("n", "how many")
            .operation("get", "/1/{kind}/{*name}");
        let names: Vec<&str> = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["kind", "name", "n"]);
        assert_eq!(op["parameters"][0]["enum"], json!(["schema", "stream"]));
        assert_eq!(op["parameters"][1]["in"], "path");
        assert_eq!(op["operationId"], "get_1_kind_name");
        assert_eq!(op["responses"]["default"]["description"], "x");
    }
}
