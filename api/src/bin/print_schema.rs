//! Prints the GraphQL SDL: `cargo run -p api --bin print-schema > api/schema.graphql`.

fn main() {
    print!("{}", api::graphql::sdl());
}
