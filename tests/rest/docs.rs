//! `GET /openapi.json`: an OpenAPI 3 document listing every REST route with the status codes
//! it really returns, and a schema for every body, errors included.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde_json::{Value, json};
use tests::{Backend, TestApp};

/// Every REST route, and the statuses the other tests see it return.
const ROUTES: &[(&str, &str, &[&str])] = &[
    ("/v1/customers", "get", &["200", "422"]),
    ("/v1/customers", "post", &["201", "400", "422"]),
    ("/v1/customers/{customer_id}", "get", &["200", "404", "422"]),
    (
        "/v1/customers/{customer_id}",
        "put",
        &["200", "400", "404", "422"],
    ),
    (
        "/v1/customers/{customer_id}",
        "delete",
        &["204", "404", "422"],
    ),
    ("/api/v1/todos", "get", &["200", "422"]),
    ("/api/v1/todos", "post", &["200", "422"]),
    ("/api/v1/todos/{todo_id}", "get", &["200", "404", "422"]),
    ("/api/v1/todos/{todo_id}", "put", &["200", "404", "422"]),
    ("/api/v1/todos/{todo_id}", "delete", &["200", "404", "422"]),
];

async fn document() -> Value {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response = app.get("/openapi.json").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert!(
        response
            .header("content-type")
            .is_some_and(|value| value.starts_with("application/json")),
        "{:?}",
        response.headers
    );
    response.json()
}

/// The schema a `$ref` points at.
fn resolve<'a>(document: &'a Value, reference: &str) -> &'a Value {
    let name = reference
        .strip_prefix("#/components/schemas/")
        .unwrap_or_else(|| panic!("not a component reference: {reference}"));
    let schema = &document["components"]["schemas"][name];
    assert!(schema.is_object(), "{reference} does not resolve");
    schema
}

fn json_schema(response: &Value) -> &Value {
    &response["content"]["application/json"]["schema"]
}

fn property_names(schema: &Value) -> BTreeSet<String> {
    schema["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .cloned()
        .collect()
}

fn names(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|&name| name.to_owned()).collect()
}

#[tokio::test]
async fn is_openapi_3_with_every_rest_route_and_its_real_status_codes() {
    let document = document().await;

    assert!(
        document["openapi"]
            .as_str()
            .is_some_and(|version| version.starts_with("3.")),
        "{}",
        document["openapi"]
    );
    assert!(
        document["info"]["title"]
            .as_str()
            .is_some_and(|title| !title.is_empty())
    );
    let documented: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .filter(|(path, _)| path.starts_with("/v1/") || path.starts_with("/api/v1/"))
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("path item")
                .keys()
                .map(move |method| (path.clone(), method.clone()))
        })
        .collect();
    let expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(path, method, _)| ((*path).to_owned(), (*method).to_owned()))
        .collect();
    assert_eq!(documented, expected);

    for (path, method, statuses) in ROUTES {
        let responses = document["paths"][path][method]["responses"]
            .as_object()
            .expect("responses");
        let codes: BTreeSet<String> = responses.keys().cloned().collect();
        assert_eq!(codes, names(statuses), "{method} {path}");
    }
}

#[tokio::test]
async fn every_body_has_a_schema_and_error_bodies_have_fastapis() {
    let document = document().await;

    for (path, method, statuses) in ROUTES {
        let operation = &document["paths"][path][method];
        for status in *statuses {
            let response = &operation["responses"][status];
            let schema = json_schema(response);
            let expected_ref = match *status {
                "204" => {
                    assert!(
                        response.get("content").is_none(),
                        "{method} {path} 204 has a body: {response}"
                    );
                    continue;
                }
                "400" | "404" => "#/components/schemas/Detail",
                "422" => "#/components/schemas/ValidationErrorBody",
                _ => {
                    // Success: one object or a list of them.
                    let reference = schema["$ref"]
                        .as_str()
                        .or_else(|| schema["items"]["$ref"].as_str());
                    let reference =
                        reference.unwrap_or_else(|| panic!("{method} {path} {status}: {schema}"));
                    resolve(&document, reference);
                    continue;
                }
            };
            assert_eq!(
                schema,
                &json!({ "$ref": expected_ref }),
                "{method} {path} {status}"
            );
        }
        if *method == "post" || *method == "put" {
            let body = &operation["requestBody"];
            assert_eq!(body["required"], json!(true), "{method} {path}");
            let reference = json_schema(body)["$ref"]
                .as_str()
                .expect("a request body schema");
            resolve(&document, reference);
        }
    }

    let detail = resolve(&document, "#/components/schemas/Detail");
    assert_eq!(property_names(detail), names(&["detail"]));
    assert_eq!(detail["properties"]["detail"]["type"], "string");
    let validation = resolve(&document, "#/components/schemas/ValidationErrorBody");
    assert_eq!(property_names(validation), names(&["detail"]));
    assert_eq!(validation["properties"]["detail"]["type"], "array");
    let issue_ref = validation["properties"]["detail"]["items"]["$ref"]
        .as_str()
        .expect("items ref");
    let issue = resolve(&document, issue_ref);
    assert_eq!(
        property_names(issue),
        names(&["type", "loc", "msg", "input", "ctx"])
    );
    let required: BTreeSet<String> = issue["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect();
    assert_eq!(required, names(&["type", "loc", "msg", "input"]));
}

#[tokio::test]
async fn every_reference_resolves() {
    let document = document().await;
    fn walk<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
        match value {
            Value::Object(object) => {
                if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
                    found.push(reference);
                }
                object.values().for_each(|child| walk(child, found));
            }
            Value::Array(items) => items.iter().for_each(|child| walk(child, found)),
            _ => {}
        }
    }
    let mut references = Vec::new();
    walk(&document, &mut references);

    assert!(!references.is_empty());
    for reference in references {
        resolve(&document, reference);
    }
}

#[tokio::test]
async fn parameters_match_the_routes() {
    let document = document().await;

    for (path, method, _) in ROUTES {
        let parameters = document["paths"][path][method]["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut declared: Vec<(String, String)> = parameters
            .iter()
            .map(|parameter| {
                let name = parameter["name"].as_str().expect("name").to_owned();
                let location = parameter["in"].as_str().expect("in").to_owned();
                assert_eq!(
                    parameter["schema"]["type"], "integer",
                    "{method} {path} {name}"
                );
                if location == "path" {
                    assert_eq!(parameter["required"], json!(true), "{method} {path} {name}");
                } else {
                    assert_eq!(
                        parameter["schema"]["minimum"],
                        json!(0),
                        "{method} {path} {name}"
                    );
                    assert_ne!(parameter["required"], json!(true), "{method} {path} {name}");
                }
                (name, location)
            })
            .collect();
        declared.sort();
        let mut expected: Vec<(String, String)> = path
            .split('/')
            .filter_map(|segment| {
                segment
                    .strip_prefix('{')
                    .and_then(|rest| rest.strip_suffix('}'))
            })
            .map(|name| (name.to_owned(), "path".to_owned()))
            .collect();
        if *method == "get" && !path.contains('{') {
            expected.push(("limit".to_owned(), "query".to_owned()));
            expected.push(("offset".to_owned(), "query".to_owned()));
        }
        expected.sort();
        assert_eq!(declared, expected, "{method} {path}");
    }
}

#[tokio::test]
async fn resource_schemas_name_the_seeds_fields() {
    let document = document().await;
    let customer_ref = document["paths"]["/v1/customers/{customer_id}"]["get"]["responses"]["200"]
        ["content"]["application/json"]["schema"]["$ref"]
        .as_str()
        .expect("customer ref");
    let todo_ref = document["paths"]["/api/v1/todos/{todo_id}"]["get"]["responses"]["200"]["content"]
        ["application/json"]["schema"]["$ref"]
        .as_str()
        .expect("todo ref");

    let customer = resolve(&document, customer_ref);
    assert_eq!(
        property_names(customer),
        names(&[
            "customer_id",
            "first_name",
            "middle_name",
            "last_name",
            "suffix",
            "email",
            "phone"
        ])
    );
    let todo = resolve(&document, todo_ref);
    assert_eq!(
        property_names(todo),
        names(&["id", "task", "status", "customer_id"])
    );
    let status = match todo["properties"]["status"]["$ref"].as_str() {
        Some(reference) => resolve(&document, reference),
        None => &todo["properties"]["status"],
    };
    assert_eq!(
        status["enum"],
        json!(["Pending", "Completed", "In Process"])
    );

    // The todo body's status may be left out but not sent as null (that is a 422).
    let body_ref = json_schema(&document["paths"]["/api/v1/todos"]["post"]["requestBody"])["$ref"]
        .as_str()
        .expect("body ref");
    let body = resolve(&document, body_ref);
    let required: Vec<&str> = body["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(required, ["task"]);
    let status_schema = body["properties"]["status"].to_string();
    assert!(
        !status_schema.contains(r#""null""#),
        "status is documented as nullable: {status_schema}"
    );
}

#[tokio::test]
async fn the_document_declares_the_bearer_scheme_for_swagger_uis_authorize_button() {
    let document = document().await;
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"],
        serde_json::json!({
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "A JWT as AUTH_* configures; not needed while access control is off."
        })
    );
    assert_eq!(document["security"], serde_json::json!([{ "bearer": [] }]));
}
