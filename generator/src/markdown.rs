//! Spec text made inert for the places it lands in generated files: rustdoc, README.md, TOML and
//! line comments.
//!
//! Spec descriptions are Markdown written by other teams. In rustdoc, a fenced or indented code
//! block without a language is a doctest: `cargo test` on the generated crate (or on the user's
//! crate, for modules included from build.rs) would compile and run it. [`inert`] keeps the
//! Markdown but turns every code block into a `text` block:
//! - a fence (```` ``` ```` or `~~~`, any length, inside lists and block quotes too) keeps its
//!   characters and loses its info string, which becomes `text`; an unclosed fence is closed;
//! - an indented code block (four columns past its container, after a blank line, heading or
//!   another block) is wrapped in a `text` fence;
//! - a list marker followed by five or more spaces (which starts an indented code block on the
//!   marker's line) gets one space;
//! - CR LF and lone CR become LF (rustc rejects a bare CR in a doc comment); other control
//!   characters and the Unicode bidirectional controls (which rustc's deny-by-default
//!   `text_direction_codepoint_in_comment` lint rejects) are written as `\u{..}`.
//!
//! The rule is deliberately wider than CommonMark: a paragraph indented four columns after a
//! blank line inside a list may become a text block, but nothing CommonMark reads as code stays a
//! doctest. `generator/tests/fuzz.rs` checks that with pulldown-cmark (the parser rustdoc uses).

/// Characters rustc rejects or lints against in comments, or that break a line: every control
/// character but LF and TAB, and the bidirectional formatting characters.
fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
        || matches!(c, '\u{2028}' | '\u{2029}')
}

/// `text` with CR LF and lone CR as LF and the other problem characters (see [`needs_escape`])
/// spelled `\u{..}`.
pub fn normalise(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    escape_chars(&text)
}

fn escape_chars(text: &str) -> String {
    if !text.chars().any(needs_escape) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// One line of text: line breaks become spaces, problem characters `\u{..}`.
pub fn single_line(text: &str) -> String {
    let joined: String = text
        .chars()
        .map(|c| if matches!(c, '\n' | '\r') { ' ' } else { c })
        .collect();
    escape_chars(&joined)
}

/// Expands the tabs of `line` to spaces (tab stops of 4, as CommonMark does for block structure;
/// tabs after a list or quote marker count too).
fn expand_leading_tabs(line: &str) -> String {
    if !line.contains('\t') {
        return line.to_string();
    }
    let mut out = String::with_capacity(line.len() + 8);
    let mut column = 0;
    for c in line.chars() {
        if c == '\t' {
            let next = (column / 4 + 1) * 4;
            out.push_str(&" ".repeat(next - column));
            column = next;
        } else {
            out.push(c);
            column += 1;
        }
    }
    out
}

/// Splits `line` into its block-quote prefix (everything up to its last `>` marker, list markers
/// before a `>` included, and one space after it) and the rest.
fn split_quote(line: &str) -> (&str, &str) {
    let mut end = 0;
    let mut i = 0;
    loop {
        let rest = &line[i..];
        let spaces = leading_spaces(rest);
        let after = &rest[spaces..];
        if after.starts_with('>') {
            i += spaces + 1;
            if line[i..].starts_with(' ') {
                i += 1;
            }
            end = i;
        } else if let Some(marker) = list_marker(after).filter(|&m| after[m..].starts_with(' ')) {
            i += spaces + marker;
        } else {
            break;
        }
    }
    line.split_at(end)
}

/// A list marker at the start of `rest` (after `indent` spaces): its length in bytes.
fn list_marker(rest: &str) -> Option<usize> {
    let bytes = rest.as_bytes();
    match bytes.first()? {
        b'-' | b'*' | b'+' => Some(1),
        b'0'..=b'9' => {
            let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
            (digits <= 9 && matches!(bytes.get(digits), Some(b'.' | b')'))).then_some(digits + 1)
        }
        _ => None,
    }
}

/// A fence opener or closer at the start of `content`: its character and run length.
fn fence_run(content: &str) -> Option<(char, usize)> {
    let first = content.chars().next()?;
    if first != '`' && first != '~' {
        return None;
    }
    let run = content.chars().take_while(|&c| c == first).count();
    (run >= 3).then_some((first, run))
}

fn leading_spaces(text: &str) -> usize {
    text.len() - text.trim_start_matches(' ').len()
}

/// An open fence: its quote prefix and depth, container column, character and run length.
struct Fence {
    quote: String,
    depth: usize,
    container: usize,
    ch: char,
    len: usize,
}

impl Fence {
    fn close_line(&self) -> String {
        format!(
            "{}{}{}",
            continuation(&self.quote),
            " ".repeat(self.container),
            self.ch.to_string().repeat(self.len)
        )
    }
}

/// A block-quote prefix for the lines that continue its block: list markers before a `>` become
/// spaces (`- > ` → `  > `), so the line stays in the same list item instead of opening one.
fn continuation(quote: &str) -> String {
    quote
        .chars()
        .map(|c| if c == '>' { '>' } else { ' ' })
        .collect()
}

fn quote_depth(quote: &str) -> usize {
    quote.matches('>').count()
}

fn is_rule_or_heading(rest: &str) -> bool {
    let compact: String = rest.chars().filter(|c| *c != ' ').collect();
    rest.starts_with('#')
        || rest.starts_with('<')
        || (compact.len() >= 3
            && (compact.chars().all(|c| c == '-')
                || compact.chars().all(|c| c == '*')
                || compact.chars().all(|c| c == '_')
                || compact.chars().all(|c| c == '=')))
}

/// The content column of the innermost open list item at block-quote `depth` (0 outside lists).
fn container_column(lists: &[(usize, usize)], depth: usize) -> usize {
    lists
        .iter()
        .rev()
        .find(|&&(list_depth, _)| list_depth == depth)
        .map_or(0, |&(_, column)| column)
}

/// Spec Markdown with every code block turned into an inert `text` block (see the module docs).
pub fn inert(text: &str) -> String {
    let text = normalise(text);
    let mut out: Vec<String> = Vec::new();
    let mut fence: Option<Fence> = None;
    // Open list items as (block-quote depth, content column), innermost last.
    let mut lists: Vec<(usize, usize)> = Vec::new();
    // Inside an indented code block we wrapped: its quote prefix, depth and container column.
    let mut wrapped: Option<(String, usize, usize)> = None;
    // The previous line can be followed by an indented code block (blank, heading, fence end...).
    let mut may_start_code = true;
    let mut previous_depth = 0;
    for raw in text.split('\n') {
        let line = expand_leading_tabs(raw);
        let (quote, body) = split_quote(&line);
        // A list marker before a `>` starts a new list item: it ends any open block.
        let new_item = {
            let (_, after) = quote.split_at(quote.find('>').unwrap_or(0));
            let before = &quote[..quote.len() - after.len()];
            list_marker(before.trim_start()).is_some()
        };
        let quote = quote.to_string();
        let cont = continuation(&quote);

        let depth = quote_depth(&quote);
        // A new block quote or list item is a new container: its first line may be code.
        if depth > previous_depth || new_item {
            may_start_code = true;
        }
        previous_depth = depth;
        let indent = leading_spaces(body);
        let blank = body.trim().is_empty();
        if let Some(open) = &fence {
            // Leaving the fence's block quote or list item closes it (fences are never lazy).
            let left = depth < open.depth || new_item || (!blank && indent < open.container);
            if !left {
                let rest = &body[indent..];
                let closes = indent <= open.container + 3
                    && fence_run(rest).is_some_and(|(c, n)| {
                        c == open.ch && n >= open.len && rest.trim_end().chars().all(|x| x == c)
                    });
                out.push(line.clone());
                if closes {
                    fence = None;
                    may_start_code = true;
                }
                continue;
            }
            out.push(open.close_line());
            fence = None;
            may_start_code = true;
        }
        if let Some((code_quote, code_depth, container)) = &wrapped {
            if depth == *code_depth && !new_item && (blank || indent >= container + 4) {
                out.push(line.clone());
                continue;
            }
            let close = format!("{}{}```", continuation(code_quote), " ".repeat(*container));
            // Trailing blank lines belong after the fence.
            let mut trailing = Vec::new();
            while out
                .last()
                .is_some_and(|l| split_quote(l).1.trim().is_empty())
            {
                trailing.push(out.pop().unwrap_or_default());
            }
            out.push(close);
            out.extend(trailing.into_iter().rev());
            wrapped = None;
            may_start_code = true;
        }
        if blank {
            out.push(line.clone());
            may_start_code = true;
            continue;
        }
        let rest = &body[indent..];
        let fence_line = fence_run(rest).is_some();
        // Leave the list items this line is not inside of (a paragraph line may continue lazily;
        // leaving a block quote leaves the lists inside it).
        if depth > 0 {
            // A quote marker left of a list item's content column is outside that item.
            let outer = leading_spaces(&line);
            lists.retain(|&(list_depth, column)| list_depth >= depth || column <= outer);
        }
        if may_start_code || fence_line || list_marker(rest).is_some() {
            lists.retain(|&(list_depth, _)| list_depth <= depth);
            while lists
                .last()
                .is_some_and(|&(list_depth, column)| list_depth == depth && indent < column)
            {
                lists.pop();
            }
        }
        let container = container_column(&lists, depth);
        if indent >= container + 4 {
            if may_start_code {
                out.push(format!("{quote}{}```text", " ".repeat(container)));
                out.push(format!("{cont}{body}"));
                wrapped = Some((quote, depth, container));
                continue;
            }
            // A paragraph continuation: text, whatever it looks like.
            out.push(line.clone());
            continue;
        }
        // Peel list markers (a line may open several: `- 1. x`).
        let mut rest = rest;
        let mut column = indent;
        let mut rebuilt = format!("{quote}{}", " ".repeat(indent));
        while let Some(marker) = list_marker(rest) {
            let after = &rest[marker..];
            let spaces = leading_spaces(after);
            if spaces == 0 && !after.is_empty() {
                break;
            }
            rebuilt.push_str(&rest[..marker]);
            column += marker;
            let kept = if spaces >= 5 || after.trim().is_empty() {
                1
            } else {
                spaces
            };
            rebuilt.push_str(&" ".repeat(kept));
            column += kept;
            while lists
                .last()
                .is_some_and(|&(list_depth, c)| list_depth == depth && c >= column)
            {
                lists.pop();
            }
            lists.push((depth, column));
            rest = after[spaces..].trim_start_matches(' ');
        }
        if let Some((ch, len)) = fence_run(rest) {
            let info = &rest[len..];
            if ch == '~' || !info.contains('`') {
                rebuilt.push_str(&rest[..len]);
                rebuilt.push_str("text");
                out.push(rebuilt);
                fence = Some(Fence {
                    quote,
                    depth,
                    container: container_column(&lists, depth),
                    ch,
                    len,
                });
                continue;
            }
        }
        rebuilt.push_str(rest);
        out.push(rebuilt);
        may_start_code = is_rule_or_heading(rest);
    }
    if let Some(open) = fence {
        out.push(open.close_line());
    }
    if let Some((quote, _, container)) = wrapped {
        out.push(format!(
            "{}{}```",
            continuation(&quote),
            " ".repeat(container)
        ));
    }
    out.join("\n")
}

/// `text` as a Markdown code span: a backtick run longer than any inside it, padded when the
/// text starts or ends with a backtick; line breaks become spaces and `|` is escaped so the span
/// can sit in a table cell.
pub fn code_span(text: &str) -> String {
    let text = single_line(text).replace('|', "\\|");
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let ticks = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') || text.is_empty() {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// `text` as plain inline Markdown on one line: every ASCII punctuation character that Markdown
/// could read as syntax is backslash-escaped, so a title stays a title.
pub fn plain_inline(text: &str) -> String {
    let mut out = String::new();
    for c in single_line(text).chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '{'
                | '}'
                | '['
                | ']'
                | '('
                | ')'
                | '#'
                | '+'
                | '-'
                | '.'
                | '!'
                | '|'
                | '<'
                | '>'
                | '~'
                | '&'
                | '='
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `text` as the inside of a TOML basic string (`"..."`): quotes, backslashes and every control
/// character escaped.
pub fn toml_basic(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || needs_escape(c) => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` for a `#` or `//` line comment or an HTML comment: one line, no `-->`.
pub fn comment(text: &str) -> String {
    single_line(text).replace("--", "-\\-")
}

/// rustdoc's lints, which a document's own text trips (`[Foo]` read as a link to an item, `<T>` as
/// an unclosed HTML tag, a bare URL), allowed in the modules whose rustdoc quotes it: the text is
/// the document author's prose, shown as written, not Rust documentation to fix.
pub const SPEC_TEXT_LINTS: &str = "#![allow(rustdoc::all)]";

/// [`SPEC_TEXT_LINTS`] as inner attributes.
pub fn spec_text_lints() -> Vec<syn::Attribute> {
    use syn::parse::Parser;
    syn::Attribute::parse_inner
        .parse_str(SPEC_TEXT_LINTS)
        .expect("the attribute parses")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_become_text_blocks_and_keep_their_content() {
        let text = "Intro\n\n```rust\nstd::fs::write(\"x\", \"\").unwrap();\n```\n\nAfter";
        assert_eq!(
            inert(text),
            "Intro\n\n```text\nstd::fs::write(\"x\", \"\").unwrap();\n```\n\nAfter"
        );
        assert_eq!(inert("~~~~\nx\n~~~~"), "~~~~text\nx\n~~~~");
        assert_eq!(
            inert("- item\n  ```\n  x\n  ```"),
            "- item\n  ```text\n  x\n  ```"
        );
        assert_eq!(inert("> ```\n> x\n> ```"), "> ```text\n> x\n> ```");
        // Unclosed: closed at the end.
        assert_eq!(inert("```\nx"), "```text\nx\n```");
        // Inline code is not a fence.
        assert_eq!(inert("```a``` b"), "```a``` b");
    }

    #[test]
    fn indented_code_is_wrapped() {
        assert_eq!(
            inert("a\n\n    code\n\nb"),
            "a\n\n```text\n    code\n```\n\nb"
        );
        assert_eq!(inert("    code"), "```text\n    code\n```");
        // A paragraph continuation is not code.
        assert_eq!(inert("a\n    b"), "a\n    b");
        // Inside a list: four columns past the item's content.
        assert_eq!(inert("- a\n\n  b"), "- a\n\n  b");
        assert_eq!(
            inert("- a\n\n      code"),
            "- a\n\n  ```text\n      code\n  ```"
        );
        // A fence inside a list item is closed when the item ends.
        assert_eq!(
            inert("- ```\n  x\ny\n```rust\nz\n```"),
            "- ```text\n  x\n  ```\ny\n```text\nz\n```"
        );
        assert_eq!(inert("-      code"), "- code");
        assert_eq!(inert("# T\n    code"), "# T\n```text\n    code\n```");
        assert_eq!(inert("\tcode"), "```text\n    code\n```");
    }

    #[test]
    fn line_breaks_and_controls_are_normalised() {
        assert_eq!(inert("a\r\nb\rc"), "a\nb\nc");
        assert_eq!(inert("a\u{0}b\u{202E}c"), "a\\u{0}b\\u{202e}c");
        assert_eq!(single_line("a\nb\rc"), "a b c");
    }

    #[test]
    fn markdown_and_toml_escapes() {
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x"), "`` `x ``");
        assert_eq!(code_span("a|b"), "`a\\|b`");
        assert_eq!(plain_inline("# [x](y)"), "\\# \\[x\\]\\(y\\)");
        assert_eq!(toml_basic("a\"\\\n\u{1}"), "a\\\"\\\\\\n\\u0001");
        assert_eq!(comment("a\n-->"), "a -\\->");
    }

    /// The code blocks pulldown-cmark (rustdoc's parser) finds that rustdoc would compile.
    fn runnable(markdown: &str) -> Vec<String> {
        use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag};
        Parser::new(markdown)
            .filter_map(|event| match event {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)) => Some("indented".into()),
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                    if info.trim() != "text" =>
                {
                    Some(info.to_string())
                }
                _ => None,
            })
            .collect()
    }

    #[test]
    fn no_combination_of_containers_and_code_stays_runnable() {
        let containers = [
            "", "- ", "1. ", "> ", "> - ", "- > ", "  ", "-     ", "* 1) ", ">> ", "\t", "- - ",
        ];
        let openers = [
            "```",
            "```rust",
            "~~~",
            "````no_run",
            "    ",
            "\t",
            "``` ignore",
            "~~~~~ x",
        ];
        let befores = [
            "", "text\n", "text\n\n", "# h\n", "- a\n\n", "> q\n>\n", "***\n",
        ];
        let mut checked = 0;
        for before in befores {
            for container in containers {
                for opener in openers {
                    for closing in [true, false] {
                        let code = if opener.trim().is_empty() {
                            format!("{container}{opener}std::process::abort();\n")
                        } else {
                            let fence = opener
                                .split(|c: char| c != '`' && c != '~')
                                .next()
                                .unwrap_or("```");
                            let close = if closing {
                                format!("{container}{fence}\n")
                            } else {
                                String::new()
                            };
                            format!(
                                "{container}{opener}\n{container}std::process::abort();\n{close}"
                            )
                        };
                        for after in ["", "after\n", "\n    indented after\n", "```\nx\n```\n"] {
                            let text = format!("{before}{code}{after}");
                            let out = inert(&text);
                            assert!(
                                runnable(&out).is_empty(),
                                "{text:?} became {out:?}: {:?}",
                                runnable(&out)
                            );
                            assert_eq!(inert(&out), out, "not idempotent on {text:?}");
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 1000);
    }
}
