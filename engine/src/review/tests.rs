//! Unit tests of the review rules (hand-made catalog).

use super::*;

#[test]
fn placeholder_compiles() {
    assert_eq!(fold(" Non concerné "), "nonconcerne");
}
