//! The committed SDL is the contract for generated clients: it must match the code.

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
