//! Every service's `GET /1/swagger` — an engine's, and Connect's, Model Manage's and an
//! engine's behind `fleet serve` — is a valid Swagger 2.0 document of its real routes: each
//! operation it lists answers at its path (not the router's "no such route" nor 405), and
//! the engine's lists the calls of spec/rest-api.md §6.

mod support;
use serde_json::Value;
use std::collections::BTreeSet;
use support::{http, Env, FleetServer};

/// A service reached at `url` + `prefix`, with `headers` on every request.
struct Service<'a> {
    url: &'a str,
    prefix: String,
    headers: Vec<(&'a str, String)>,
}

impl Service<'_> {
    fn call(&self, method: &str, path: &str, extra: &[(&str, &str)]) -> (u16, String) {
        let mut headers: Vec<(&str, &str)> =
            self.headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        headers.extend_from_slice(extra);
        let (status, body) = http(
            self.url,
            method,
            &format!("{}{path}", self.prefix),
            b"",
            &headers,
        );
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    fn swagger(&self) -> Value {
        let (status, body) = self.call("GET", "/1/swagger", &[("Accept", "application/json")]);
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).expect("the swagger document is JSON")
    }
}

/// The names of a path template's parameters (`/1/model/{model}` → `model`).
fn template_params(path: &str) -> BTreeSet<String> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .map(str::to_string)
        .collect()
}

/// The parts of Swagger 2.0 that make a document valid: its header, and for every operation
/// its responses and parameters (path ones matching the path's template).
fn check_swagger_2(doc: &Value, title: &str, base_path: &str) {
    assert_eq!(doc["swagger"], "2.0");
    assert_eq!(doc["info"]["title"], title);
    assert!(doc["info"]["version"].is_string());
    assert_eq!(doc["basePath"], base_path);
    let paths = doc["paths"].as_object().expect("paths");
    assert!(!paths.is_empty());
    let mut ids = BTreeSet::new();
    for (path, item) in paths {
        assert!(path.starts_with('/'), "{path}");
        for (method, op) in item.as_object().expect("a path item") {
            let what = format!("{method} {path}");
            assert!(
                ["get", "put", "post", "delete", "head", "options", "patch"]
                    .contains(&method.as_str()),
                "{what}"
            );
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{what}"
            );
            assert!(ids.insert(op["operationId"].as_str().expect("operationId").to_string()));
            let responses = op["responses"].as_object().expect("responses");
            assert!(!responses.is_empty(), "{what}");
            for (code, response) in responses {
                assert!(
                    code == "default" || code.parse::<u16>().is_ok(),
                    "{what}: {code}"
                );
                assert!(response["description"].is_string(), "{what}: {code}");
            }
            let mut in_path = BTreeSet::new();
            for p in op["parameters"].as_array().expect("parameters") {
                let name = p["name"].as_str().expect("a parameter's name");
                match p["in"].as_str().expect("where a parameter is") {
                    "body" => assert!(p["schema"].is_object(), "{what}: {name}"),
                    "path" => {
                        assert_eq!(p["required"], true, "{what}: {name}");
                        assert!(p["type"].is_string(), "{what}: {name}");
                        in_path.insert(name.to_string());
                    }
                    "query" | "header" | "formData" => {
                        assert!(p["type"].is_string(), "{what}: {name}")
                    }
                    other => panic!("{what}: {name} is in {other}"),
                }
            }
            assert_eq!(in_path, template_params(path), "{what}");
        }
    }
}

/// Call every operation of the document at its path, with a sample value for each path
/// parameter (the first of its `enum`, else 1); none may meet the router's own answer for
/// a route it does not have (`fallback`, a 404) or 405. The operations, `<method> <path>`.
fn every_operation_answers(service: &Service, doc: &Value, fallback: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            let mut url_path = path.clone();
            for p in op["parameters"].as_array().expect("parameters") {
                if p["in"] == "path" {
                    let sample = p["enum"][0].as_str().unwrap_or("1");
                    url_path =
                        url_path.replace(&format!("{{{}}}", p["name"].as_str().unwrap()), sample);
                }
            }
            let method_name = method.to_uppercase();
            let (status, body) = service.call(&method_name, &url_path, &[]);
            let what = format!("{method_name} {url_path}: {status} {body}");
            assert_ne!(status, 405, "{what}");
            assert!(!(status == 404 && body.starts_with(fallback)), "{what}");
            seen.insert(format!("{method} {path}"));
        }
    }
    seen
}

/// The YAML form (`Accept: application/x-yaml`) lists the same paths.
fn yaml_has_the_same_paths(service: &Service, doc: &Value) {
    let (status, text) = service.call("GET", "/1/swagger", &[("Accept", "application/x-yaml")]);
    assert_eq!(status, 200, "{text}");
    let yaml = fastscore::yaml::parse(&text)
        .expect("the YAML form parses")
        .expect("a document")
        .to_json();
    let keys = |d: &Value| -> BTreeSet<String> {
        d["paths"]
            .as_object()
            .expect("paths")
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(keys(&yaml), keys(doc));
}

/// What spec/rest-api.md §6 lists of the engine, the calls added last among them.
const ENGINE_CALLS: &[&str] = &[
    "get /1/health",
    "get /1/swagger",
    "put /1/job/model",
    "delete /1/job/model",
    "get /2/active/model",
    "post /2/active/model/roundtrip/{input}/{output}",
    "put /2/active/stream/{slot}",
    "get /2/engine/state",
    "post /2/engine/reset",
    "post /1/job/input/{slot}",
    "get /1/job/output/{slot}",
    "post /1/stream/sample",
    "put /1/policy",
    "get /2/active/sensor",
    "get /1/job/status",
    "delete /1/job",
    "post /1/job/sample/cpu",
    "get /1/debug/output",
    "post /1/stream/rate",
    "put /1/file/{name}",
];

fn check_engine(service: &Service) {
    let doc = service.swagger();
    // the engine's paths are relative to the engine, however it is reached
    check_swagger_2(&doc, "FastScore Engine", "/");
    let seen = every_operation_answers(service, &doc, "no such endpoint");
    for call in ENGINE_CALLS {
        assert!(seen.contains(*call), "{call} is not documented: {seen:?}");
    }
    yaml_has_the_same_paths(service, &doc);
}

#[test]
fn an_engines_swagger_documents_every_route_it_answers() {
    let env = Env::new();
    env.run(&["engine", "inspect"]).ok();
    let url = env.engine_url("engine-1");
    let (key, token) = env.engine_auth("engine-1");
    let engine = Service {
        url: &url,
        prefix: String::new(),
        headers: vec![(key, token)],
    };
    check_engine(&engine);
    // a route that is not documented is not there either
    let (status, body) = engine.call("GET", "/1/job/nothing", &[]);
    assert_eq!(
        (status, body.as_str()),
        (404, "no such endpoint: GET /1/job/nothing")
    );
}

#[test]
fn the_fleets_connect_model_manage_and_engines_document_every_route_they_answer() {
    let server = Env::new();
    let fleet = FleetServer::start(&server, &["--http"]);
    let service = |instance: &str| Service {
        url: &fleet.owner_url,
        prefix: format!("/api/1/service/{instance}"),
        headers: Vec::new(),
    };
    for (instance, title, must) in [
        (
            "connect",
            "FastScore Connect",
            ["get /1/connect", "put /1/config", "get /2/pneumo"],
        ),
        (
            "model-manage-1",
            "FastScore Model Manage",
            [
                "get /1/model",
                "head /1/model/{model}/attachment/{attachment}",
                "put /1/{kind}/{name}",
            ],
        ),
    ] {
        let service = service(instance);
        let doc = service.swagger();
        check_swagger_2(&doc, title, &service.prefix);
        let seen = every_operation_answers(&service, &doc, "nothing at");
        for call in must
            .iter()
            .chain(&["get /1/health", "get /1/swagger", "get /2/active/sensor"])
        {
            assert!(
                seen.contains(*call),
                "{instance}: {call} is not documented: {seen:?}"
            );
        }
        yaml_has_the_same_paths(&service, &doc);
    }
    // an engine, through the fleet's proxy
    check_engine(&service("engine-1"));
}
