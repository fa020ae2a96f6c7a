//! Opaque strings handed to clients: global object ids (Relay `Node`) and page cursors.
//!
//! Both are base64url text with a type prefix, so an id or cursor of one type is refused
//! where another is expected, and their insides can change without breaking clients.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use service::{Cursor, Sort, SortField, SortValue, effective_order};

/// The object types that have global ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeType {
    /// `Customer`.
    Customer,
    /// `Todo`.
    Todo,
}

impl NodeType {
    fn prefix(self) -> &'static str {
        match self {
            Self::Customer => "Customer",
            Self::Todo => "Todo",
        }
    }
}

/// The global id of an object.
pub fn encode_node_id(kind: NodeType, key: i32) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{key}", kind.prefix()))
}

/// The type and key inside a global id, or `None` if it is not one this service issued.
pub fn decode_node_id(id: &str) -> Option<(NodeType, i32)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(id).ok()?).ok()?;
    let (prefix, key) = text.split_once(':')?;
    let kind = [NodeType::Customer, NodeType::Todo]
        .into_iter()
        .find(|kind| kind.prefix() == prefix)?;
    Some((kind, parse_key(key)?))
}

/// What a cursor holds: the order it was issued under and the row's sort key.
#[derive(Serialize, Deserialize)]
struct CursorBody {
    /// [`order_tag`] of the effective order.
    o: String,
    /// The row's sort values.
    v: Vec<SortValue>,
    /// The row's primary key.
    k: i32,
}

/// A stable name for an order, after the service's normalisation, so a cursor issued under
/// one `orderBy` is refused under another.
pub fn order_tag<S: SortField>(order: &[Sort<S>]) -> String {
    effective_order(order)
        .iter()
        .map(|sort| {
            let direction = if sort.descending { "-" } else { "" };
            format!("{direction}{:?}", sort.field)
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A cursor that points at one row of a connection of `kind` sorted by the order `tag`.
pub fn encode_cursor(kind: NodeType, tag: &str, cursor: Cursor) -> String {
    let body = CursorBody {
        o: tag.to_owned(),
        v: cursor.values,
        k: cursor.key,
    };
    let json = serde_json::to_string(&body).unwrap_or_default();
    URL_SAFE_NO_PAD.encode(format!("cursor:v2:{}:{json}", kind.prefix()))
}

/// The row inside a cursor of `kind` issued under the order `tag`, or `None` if the server
/// did not issue it for this connection and order.
pub fn decode_cursor(kind: NodeType, tag: &str, cursor: &str) -> Option<Cursor> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    let json = text
        .strip_prefix("cursor:v2:")?
        .strip_prefix(kind.prefix())?
        .strip_prefix(':')?;
    let body: CursorBody = serde_json::from_str(json).ok()?;
    (body.o == tag).then_some(Cursor {
        values: body.v,
        key: body.k,
    })
}

/// Only the canonical spelling of a key is accepted, so each row has exactly one id.
fn parse_key(text: &str) -> Option<i32> {
    let key: i32 = text.parse().ok()?;
    (key.to_string() == text).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids_round_trip_and_keep_their_type() {
        let id = encode_node_id(NodeType::Todo, 42);
        assert_eq!(decode_node_id(&id), Some((NodeType::Todo, 42)));
        assert_ne!(id, encode_node_id(NodeType::Customer, 42));
    }

    #[test]
    fn foreign_strings_are_not_ids_or_cursors() {
        for text in [
            "",
            "42",
            "!!!",
            &URL_SAFE_NO_PAD.encode("Customer:+42"),
            &URL_SAFE_NO_PAD.encode("Order:1"),
        ] {
            assert_eq!(decode_node_id(text), None, "{text}");
            assert_eq!(decode_cursor(NodeType::Customer, "", text), None, "{text}");
        }
    }

    fn row(key: i32) -> Cursor {
        Cursor {
            values: vec![SortValue::Text("Smith".into()), SortValue::Int(key.into())],
            key,
        }
    }

    #[test]
    fn a_cursor_of_one_type_is_refused_for_another() {
        let cursor = encode_cursor(NodeType::Customer, "LastName", row(7));
        assert_eq!(
            decode_cursor(NodeType::Customer, "LastName", &cursor),
            Some(row(7))
        );
        assert_eq!(decode_cursor(NodeType::Todo, "LastName", &cursor), None);
    }

    #[test]
    fn a_cursor_of_one_order_is_refused_for_another() {
        let cursor = encode_cursor(NodeType::Customer, "LastName,CustomerId", row(7));
        assert_eq!(
            decode_cursor(NodeType::Customer, "-LastName,CustomerId", &cursor),
            None
        );
    }
}
