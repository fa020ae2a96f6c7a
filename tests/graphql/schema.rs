//! The committed SDL is the contract for generated clients: it must match the code.

use serde_json::json;
use tests::{TestApp, db_test, error_code};

#[test]
fn committed_schema_matches_the_code() {
    let committed = include_str!("../../api/schema.graphql");
    let generated = api::graphql::sdl();
    assert!(
        committed == generated,
        "api/schema.graphql is out of date; regenerate it with \
         `cargo run -p api --bin print-schema > api/schema.graphql` and review the diff"
    );
}

#[test]
fn every_type_field_argument_and_enum_value_is_described() {
    // Reads the SDL as printed: every definition line must follow a description string.
    let sdl = api::graphql::sdl();
    let mut undocumented = Vec::new();
    let mut described = false;
    let mut in_block = false;
    for line in sdl.lines() {
        let trimmed = line.trim();
        if in_block {
            if trimmed.ends_with("\"\"\"") {
                in_block = false;
                described = true;
            }
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("\"\"\"") {
            in_block = !rest.ends_with("\"\"\"");
            described = !in_block;
            continue;
        }
        if trimmed.starts_with('"') {
            described = true;
            continue;
        }
        let is_definition = !(trimmed.is_empty()
            || trimmed.starts_with(')')
            || trimmed.starts_with('}')
            || trimmed.starts_with("schema")
            || trimmed.starts_with("directive")
            || trimmed.starts_with("query:")
            || trimmed.starts_with("mutation:")
            || trimmed.starts_with("subscription:"));
        if is_definition && !described {
            undocumented.push(trimmed.to_owned());
        }
        if !trimmed.is_empty() {
            described = false;
        }
    }
    assert!(undocumented.is_empty(), "undocumented: {undocumented:#?}");
}

/// The introspection query GraphiQL and code generators send (graphql-js's
/// `getIntrospectionQuery` with every option on), nine `ofType` levels deep.
const FULL_INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    description
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives {
      name description isRepeatable locations
      args(includeDeprecated: true) { ...InputValue }
    }
  }
}
fragment FullType on __Type {
  kind name description specifiedByURL
  fields(includeDeprecated: true) {
    name description
    args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef }
    isDeprecated deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name description type { ...TypeRef } defaultValue isDeprecated deprecationReason
}
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
  ofType { kind name } } } } } } } } }
}
"#;

db_test!(the_ides_full_introspection_query_passes_the_default_limits);
async fn the_ides_full_introspection_query_passes_the_default_limits(app: TestApp) {
    let body = app.graphql(FULL_INTROSPECTION, json!({})).await;
    assert!(
        body.get("errors").is_none(),
        "{}",
        &body.to_string()[..500.min(body.to_string().len())]
    );
    let types = body["data"]["__schema"]["types"].as_array().expect("types");
    for name in [
        "CustomerFilter",
        "TodoOrderBy",
        "CustomerConnection",
        "Node",
    ] {
        assert!(
            types.iter().any(|t| t["name"] == name),
            "{name} is introspectable"
        );
    }
    // The depth limit still holds for data.
    let deep = format!(
        "{{ customers {{ nodes {} }} }}",
        "{ todos { nodes { customer ".repeat(4) + "{ email }" + &" } } }".repeat(4)
    );
    let body = app.graphql(&deep, json!({})).await;
    assert_eq!(error_code(&body), Some("QUERY_TOO_COMPLEX"), "{body}");
}

#[test]
fn is_null_is_offered_exactly_on_the_fields_that_can_be_null() {
    use async_graphql::parser::parse_schema;
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    use std::collections::HashMap;

    let document = parse_schema(api::graphql::sdl()).expect("the SDL parses");
    let mut kinds = HashMap::new();
    for definition in &document.definitions {
        if let TypeSystemDefinition::Type(ty) = definition {
            kinds.insert(ty.node.name.node.to_string(), ty.node.kind.clone());
        }
    }
    let object_fields = |name: &str| match &kinds[name] {
        TypeKind::Object(object) => object
            .fields
            .iter()
            .map(|f| (f.node.name.node.to_string(), f.node.ty.node.nullable))
            .collect::<HashMap<_, _>>(),
        _ => panic!("{name} is an object"),
    };
    let input_fields = |name: &str| match &kinds[name] {
        TypeKind::InputObject(input) => input
            .fields
            .iter()
            .map(|f| {
                (
                    f.node.name.node.to_string(),
                    f.node.ty.node.base.to_string(),
                )
            })
            .collect::<Vec<_>>(),
        _ => panic!("{name} is an input object"),
    };
    let mut checked = 0;
    for (object, filter) in [("Customer", "CustomerFilter"), ("Todo", "TodoFilter")] {
        let nullable = object_fields(object);
        for (field, filter_type) in input_fields(filter) {
            if ["and", "or", "not"].contains(&field.as_str()) {
                continue;
            }
            let offers_is_null = input_fields(&filter_type)
                .iter()
                .any(|(operator, _)| operator == "isNull");
            assert_eq!(
                offers_is_null, nullable[&field],
                "{filter}.{field} ({filter_type}) offers isNull: {offers_is_null}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 15, "every field of both filters was checked");
}
