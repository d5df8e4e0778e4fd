//! The text a reader sees in an element, for the extractors that compare or report it: script,
//! style, noscript and template contents left out, whitespace collapsed.
//!
//! It reads a parsed tree and nothing else; what to do with the text is the caller's.

use scraper::ElementRef;

/// The text a reader sees in an element: script, style, noscript and template contents left
/// out (a title must not read "… alert(1)").
pub fn visible_text<'a>(el: ElementRef<'a>) -> impl Iterator<Item = &'a str> + 'a {
    let hidden_element = |node: &scraper::Node| {
        node.as_element()
            .is_some_and(|e| matches!(e.name(), "script" | "style" | "noscript" | "template"))
    };
    let mut hidden = 0usize;
    el.traverse().filter_map(move |edge| match edge {
        ego_tree::iter::Edge::Open(node) if hidden_element(node.value()) => {
            hidden += 1;
            None
        }
        ego_tree::iter::Edge::Close(node) if hidden_element(node.value()) => {
            hidden = hidden.saturating_sub(1);
            None
        }
        ego_tree::iter::Edge::Open(node) if hidden == 0 => node.value().as_text().map(|t| &**t),
        _ => None,
    })
}

/// An element's visible text with whitespace runs collapsed to one space.
pub fn text_of(el: ElementRef<'_>) -> String {
    let mut out = String::new();
    for piece in visible_text(el) {
        for word in piece.split_whitespace() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
            out.push_str(word);
        }
        if piece.ends_with(char::is_whitespace) && !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    out.trim_end().to_string()
}
